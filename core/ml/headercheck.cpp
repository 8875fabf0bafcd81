// Compiled with neither Qt nor LibTorch on the include path (see CMakeLists.txt): it stops the
// build when a core/ml header starts to need either, which DESIGN.md rules out so the engine's
// API stays plain C++ and cheap to include. Two exceptions: mllog.h declares the module's Qt
// logging category for the .cpp files, and network.h is the torch base class that .cpp files
// under core/ml and model plugins derive from.
#include "core/ml/architecture.h"
#include "core/ml/csv.h"
#include "core/ml/dataset.h"
#include "core/ml/evaluation.h"
#include "core/ml/fileio.h"
#include "core/ml/hyperparameters.h"
#include "core/ml/hyperparametersearch.h"
#include "core/ml/inferenceplan.h"
#include "core/ml/idx.h"
#include "core/ml/mlresult.h"
#include "core/ml/model.h"
#include "core/ml/onnxexport.h"
#include "core/ml/samplebatch.h"
#include "core/ml/split.h"
#include "core/ml/tabular.h"
#include "core/ml/torchruntime.h"
#include "core/ml/trainer.h"
#include "core/ml/update.h"
