"""The indicators, one module per family of DOMAIN §5 (offers-input indicators in
`offers`); `rmperf.engine.indicators.library` collects them."""
