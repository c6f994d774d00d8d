// placeholder until the matchers land
