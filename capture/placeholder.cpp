// placeholder until the sources land
