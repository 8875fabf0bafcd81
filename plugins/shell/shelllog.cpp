#include "plugins/shell/shelllog.h"

Q_LOGGING_CATEGORY(lcShell, "millrace.shell")
