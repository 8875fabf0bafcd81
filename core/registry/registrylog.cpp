#include "core/registry/registrylog.h"

Q_LOGGING_CATEGORY(lcRegistry, "millrace.registry")
