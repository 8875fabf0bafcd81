#include "core/plugins/pluginslog.h"

Q_LOGGING_CATEGORY(lcPlugins, "millrace.plugins")
