#include "core/position.hpp"
