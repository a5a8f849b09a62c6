# The project's modules are kept as they are loaded from here on (plugins.sources): what the
# app writes out of its own code (a script, a bundle's runtime) is then the code it runs.
from plugins import sources  # noqa: F401
