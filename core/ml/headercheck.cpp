// Compiled with neither Qt nor LibTorch on the include path (see CMakeLists.txt): it stops the
// build when a core/ml header starts to need either, which DESIGN.md rules out so the engine's
// API stays plain C++ and cheap to include. mllog.h is the one exception: it declares the
// module's Qt logging category for the .cpp files.
#include "core/ml/csv.h"
#include "core/ml/dataset.h"
#include "core/ml/fileio.h"
#include "core/ml/hyperparameters.h"
#include "core/ml/hyperparametersearch.h"
#include "core/ml/idx.h"
#include "core/ml/mlresult.h"
#include "core/ml/samplebatch.h"
#include "core/ml/split.h"
#include "core/ml/tabular.h"
#include "core/ml/torchruntime.h"
