#include "core/training/traininglog.h"

Q_LOGGING_CATEGORY(lcTraining, "millrace.training")
