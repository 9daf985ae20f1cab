"""The small core every layer imports: targets and settings, the warehouse interface, errors, the phase and
status contracts, the market list (seeds/prop_markets.csv). It imports nothing of this project."""
