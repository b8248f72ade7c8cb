/**
 * SDHCI I/O settings (drivers/mmc/host/sdhci.c, set_ios): the clock divider and enable, bus
 * power, bus width, timing (high speed, UHS modes) and the signal voltage switch.
 */
import * as R from '../../hw/sdhci-regs.js';
import { EAGAIN, EINVAL } from '../../lib/errno.js';
import type { MmcHost, MmcIos } from '../mmc/types.js';
import { sdhciInit } from './reset.js';
import { SDHCI_MAX_DIV_SPEC_300, sdhciPriv, type SdhciHost } from './sdhci.js';

/** sdhci_calc_clk(): the divider for `clock` and the clock it gives. */
export function sdhciCalcClk(host: SdhciHost, clock: number): { clk: number; actual: number } {
  let div: number;
  if (host.maxClk <= clock) div = 1;
  else {
    for (div = 2; div < SDHCI_MAX_DIV_SPEC_300; div += 2) if (host.maxClk / div <= clock) break;
  }
  const actual = host.maxClk / div;
  div >>= 1;
  return { clk: R.clockDividerBits(div), actual };
}

/** sdhci_enable_clk(): internal clock on, wait until stable (150 ms), then the SD clock. */
export function sdhciEnableClk(host: SdhciHost, clkIn: number): void {
  let clk = clkIn | R.CLK.INTERNAL_ENABLE.mask;
  host.writew(clk, R.CLOCK_CONTROL);
  // read_poll_timeout_atomic(..., 10, 150000)
  const deadline = host.cpu.now + 150e6;
  for (;;) {
    clk = host.readw(R.CLOCK_CONTROL);
    if (clk & R.CLK.INTERNAL_STABLE.mask) break;
    if (host.cpu.now > deadline) {
      host.pr('Internal clock never stabilised.');
      host.dumpRegs();
      return;
    }
    host.cpu.udelay(10);
  }
  clk |= R.CLK.SD_CLOCK_ENABLE.mask;
  host.writew(clk, R.CLOCK_CONTROL);
}

/** sdhci_set_clock() */
export function sdhciSetClock(host: SdhciHost, clock: number): void {
  host.mmc.actualClock = 0;
  host.writew(0, R.CLOCK_CONTROL);
  if (clock === 0) return;
  const { clk, actual } = sdhciCalcClk(host, clock);
  host.mmc.actualClock = actual;
  sdhciEnableClk(host, clk);
}

/** sdhci_set_power_noreg() */
export function sdhciSetPower(host: SdhciHost, mode: MmcIos['powerMode'], vdd: number): void {
  let pwr = 0;
  if (mode !== 'off') {
    if (vdd === 7) pwr = R.compose(R.PWR, { VOLTAGE: R.BUS_VOLTAGE.V1_8 });
    else if (vdd === 17 || vdd === 18) pwr = R.compose(R.PWR, { VOLTAGE: R.BUS_VOLTAGE.V3_0 });
    else if (vdd === 20 || vdd === 21) pwr = R.compose(R.PWR, { VOLTAGE: R.BUS_VOLTAGE.V3_3 });
    else {
      host.pr(`Invalid vdd 0x${vdd.toString(16)}`);
      pwr = 0;
    }
  }
  if (host.pwr === pwr) return;
  host.pwr = pwr;
  if (pwr === 0) {
    host.writeb(0, R.POWER_CONTROL);
    return;
  }
  host.writeb(0, R.POWER_CONTROL);
  host.writeb(pwr, R.POWER_CONTROL);
  host.writeb(pwr | R.PWR.BUS_POWER.mask, R.POWER_CONTROL);
}

/** sdhci_set_bus_width() */
export function sdhciSetBusWidth(host: SdhciHost, width: number): void {
  let ctrl = host.readb(R.HOST_CONTROL1);
  if (width === 8) {
    ctrl &= ~R.HC1.DATA_WIDTH_4BIT.mask;
    ctrl |= R.HC1.EXT_DATA_WIDTH_8BIT.mask;
  } else {
    ctrl &= ~R.HC1.EXT_DATA_WIDTH_8BIT.mask;
    if (width === 4) ctrl |= R.HC1.DATA_WIDTH_4BIT.mask;
    else ctrl &= ~R.HC1.DATA_WIDTH_4BIT.mask;
  }
  host.writeb(ctrl, R.HOST_CONTROL1);
}

/** sdhci_set_uhs_signaling() */
export function sdhciSetUhsSignaling(host: SdhciHost, timing: MmcIos['timing']): void {
  let ctrl2 = host.readw(R.HOST_CONTROL2);
  ctrl2 &= ~R.HC2.UHS_MODE.mask;
  if (timing === 'mmc-hs200') ctrl2 |= R.compose(R.HC2, { UHS_MODE: R.UHS_MODE.SDR104_HS200 });
  else if (timing === 'mmc-ddr52') ctrl2 |= R.compose(R.HC2, { UHS_MODE: R.UHS_MODE.DDR50 });
  else if (timing === 'mmc-hs400') ctrl2 |= R.compose(R.HC2, { UHS_MODE: R.UHS_MODE.HS400 });
  host.writew(ctrl2, R.HOST_CONTROL2);
}

/** sdhci_set_ios() */
export function sdhciSetIos(mmc: MmcHost, ios: MmcIos): void {
  const host = sdhciPriv(mmc);
  if (ios.powerMode === 'undefined') return;
  if (ios.powerMode === 'off') {
    host.writel(0, R.NORMAL_INT_SIGNAL_ENABLE);
    sdhciInit(host, false); // sdhci_reinit
  }
  if (!ios.clock || ios.clock !== host.clock) {
    sdhciSetClock(host, ios.clock);
    host.clock = ios.clock;
  }
  sdhciSetPower(host, ios.powerMode, ios.vdd);
  sdhciSetBusWidth(host, ios.busWidth);
  let ctrl = host.readb(R.HOST_CONTROL1);
  if (ios.timing !== 'legacy') ctrl |= R.HC1.HIGH_SPEED.mask;
  else ctrl &= ~R.HC1.HIGH_SPEED.mask;
  if (host.version >= R.SPEC_VERSION.V3_00) {
    host.writeb(ctrl, R.HOST_CONTROL1);
    let ctrl2 = host.readw(R.HOST_CONTROL2);
    ctrl2 &= ~R.HC2.DRIVER_STRENGTH.mask;
    host.writew(ctrl2, R.HOST_CONTROL2);
    // reset SD Clock Enable
    let clk = host.readw(R.CLOCK_CONTROL);
    clk &= ~R.CLK.SD_CLOCK_ENABLE.mask;
    host.writew(clk, R.CLOCK_CONTROL);
    sdhciSetUhsSignaling(host, ios.timing);
    host.timing = ios.timing;
    // re-enable SD Clock
    sdhciSetClock(host, host.clock);
  } else host.writeb(ctrl, R.HOST_CONTROL1);
}

/** sdhci_card_busy(): DAT0 low */
export function sdhciCardBusy(mmc: MmcHost): boolean {
  return !(sdhciPriv(mmc).readl(R.PRESENT_STATE) & R.PS.DAT0_LEVEL.mask);
}

/** sdhci_start_signal_voltage_switch(): 3.3 V, or 1.8 V where Capabilities 0 offers it (HS200 needs it) */
export function sdhciStartSignalVoltageSwitch(mmc: MmcHost, ios: MmcIos): number {
  const host = sdhciPriv(mmc);
  if (host.version < R.SPEC_VERSION.V3_00) return 0;
  let ctrl = host.readw(R.HOST_CONTROL2);
  if (ios.signalVoltage === '1.8') {
    if (!R.isSet(R.CAP0.VOLTAGE_1V8, host.caps)) return -EINVAL; // !(host->flags & SDHCI_SIGNALING_180)
    host.writew(ctrl | R.HC2.SIGNALING_1V8.mask, R.HOST_CONTROL2);
    // 1.8V regulator output should be stable within 5 ms
    ctrl = host.readw(R.HOST_CONTROL2);
    if (ctrl & R.HC2.SIGNALING_1V8.mask) return 0;
    host.pr('1.8V regulator output did not become stable');
    return -EAGAIN;
  }
  if (ios.signalVoltage === '3.3') {
    ctrl &= ~R.HC2.SIGNALING_1V8.mask;
    host.writew(ctrl, R.HOST_CONTROL2);
    mmc.cpu.sleep(5_000_000, 'usleep_range(5000, 5500)');
    ctrl = host.readw(R.HOST_CONTROL2);
    if (!(ctrl & R.HC2.SIGNALING_1V8.mask)) return 0;
    host.pr('3.3V regulator output did not become stable');
    return -EAGAIN;
  }
  return -EINVAL;
}
