/** The report's one style sheet, inline in the page: system fonts only, nothing fetched. */
import { trusted, type Html } from './escape.js';

export const STYLE_SHEET: Html = trusted(`
:root{--ink:#1f2328;--mute:#59636e;--line:#d1d9e0;--bg:#ffffff;--panel:#f6f8fa;--accent:#1565c0}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1160px;margin:0 auto;padding:20px 24px 40px}
header{border-bottom:3px solid var(--accent);padding-bottom:10px;margin-bottom:8px}
h1{font-size:22px;margin:0 0 4px}
h1 .tool{color:var(--accent)}
h2{font-size:17px;margin:26px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:14px;margin:16px 0 6px}
.sub{font-weight:normal;color:var(--mute);font-size:13px;margin-left:6px}
.count{display:inline-block;min-width:22px;padding:0 7px;border-radius:10px;background:var(--panel);border:1px solid var(--line);font-size:12px;text-align:center;vertical-align:middle}
.verdict{font-size:15px;margin:6px 0}
nav{font-size:13px;color:var(--mute)}
nav a{margin-right:14px}
a{color:var(--accent);text-decoration:none}
a:hover{text-decoration:underline}
code,.mono,pre{font-family:ui-monospace,"SFMono-Regular","DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12.5px}
table{border-collapse:collapse;margin:6px 0 10px}
th,td{padding:3px 10px 3px 0;text-align:left;vertical-align:top}
thead th{border-bottom:1px solid var(--line);color:var(--mute);font-weight:600;font-size:12px;text-transform:uppercase;letter-spacing:.02em}
tbody tr+tr td{border-top:1px solid #eef1f4}
td.n,th.n{text-align:right}
table.kv th{color:var(--mute);font-weight:600;white-space:nowrap;width:130px}
table.zones,table.phases,table.parts{width:100%;font-size:13px}
tr.pstore td{background:#e8f0fe;font-weight:600}
.sw{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:6px;vertical-align:-1px;border:1px solid rgba(0,0,0,.15)}
ul.legend{list-style:none;padding:0;margin:4px 0 8px;display:flex;flex-wrap:wrap;gap:4px 18px;font-size:12.5px;color:var(--mute)}
ul.legend b{color:var(--ink);font-weight:600;margin-right:3px}
svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
svg .zl{font-size:12px;font-weight:600}
svg .zs{font-size:11px}
svg .pl{font-size:12px;font-weight:600;fill:#ffffff}
svg .ax{font-size:11px;fill:#59636e;font-family:ui-monospace,"DejaVu Sans Mono",Menlo,monospace}
details{border:1px solid var(--line);border-radius:6px;margin:6px 0;background:var(--bg)}
details>summary{cursor:pointer;padding:7px 10px;background:var(--panel);border-radius:6px;list-style-position:inside}
details[open]>summary{border-bottom:1px solid var(--line);border-radius:6px 6px 0 0}
pre.text{margin:0;padding:10px 12px;overflow:auto;max-height:520px;white-space:pre-wrap;word-break:break-all;line-height:1.35}
.rname{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,monospace;font-weight:600}
.meta{color:var(--mute);font-size:13px}
.head{margin:3px 0 0 18px;font-family:ui-monospace,"DejaVu Sans Mono",Menlo,monospace;font-size:12.5px;color:#b3261e}
.tag{display:inline-block;padding:0 7px;border-radius:9px;font-size:12px;font-weight:600;background:#eef1f4;color:var(--ink)}
.r-panic,.t-bad{background:#fde7e9;color:#b3261e}
.r-oops{background:#fff4e0;color:#a35200}
.t-ok{background:#e6f4ea;color:#1e6b34}
.t-newest{background:#e8f0fe;color:#1150a6}
ol.timeline{list-style:none;margin:0;padding:0 0 0 18px;border-left:2px solid var(--line)}
ol.timeline li{position:relative;margin:0 0 10px;padding-left:6px}
ol.timeline li::before{content:"";position:absolute;left:-25px;top:5px;width:10px;height:10px;border-radius:50%;background:#9aa0a6;border:2px solid #fff}
ol.timeline li.newest::before{background:var(--accent)}
.when{display:inline-block;min-width:190px;color:var(--mute);font-family:ui-monospace,"DejaVu Sans Mono",Menlo,monospace;font-size:12.5px}
ul.findings,ul.hints,ul.warnings{margin:4px 0;padding-left:20px}
.warn,.note{color:#8a5300;margin:6px 10px}
.bad{color:#b3261e}
footer{margin-top:30px;color:var(--mute);font-size:12px;border-top:1px solid var(--line);padding-top:8px}
`);
