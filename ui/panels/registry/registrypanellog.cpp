#include "ui/panels/registry/registrypanellog.h"

Q_LOGGING_CATEGORY(lcRegistryPanel, "millrace.ui.registry")
