"""The shared vocabulary at the bottom of the layers: jurisdictions, periods, subjects, records,
scenarios and measures. It imports nothing of jrp; engine/, rulesets/ and everything above import it."""
