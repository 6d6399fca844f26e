"""The simulated Huawei Cloud, split into modules; import it through tui.simulator."""
