// Intentionally small: status.hpp is header-only; this file gives the core library an object.
#include "core/status.hpp"
