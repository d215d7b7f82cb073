"""Page views of teams, image sets, products, exports and the account: thin, policy-checked."""
