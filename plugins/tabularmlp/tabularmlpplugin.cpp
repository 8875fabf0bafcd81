#include "plugins/tabularmlp/tabularmlpplugin.h"
