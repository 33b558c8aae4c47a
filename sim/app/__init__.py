"""The interactive app: levers, the SolaraViz page and its live figures."""
