#include "core/pipeline/pipelinelog.h"

Q_LOGGING_CATEGORY(lcPipeline, "millrace.pipeline")
