#include "core/serving/servinglog.h"

Q_LOGGING_CATEGORY(lcServing, "millrace.serving")
