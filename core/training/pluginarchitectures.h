#pragma once

#include "core/ml/model.h"

namespace millrace {
class PluginManager;

namespace training {

/// Looks architectures up among the loaded model-architecture plugins, by the id a plugin
/// declares (the same as its architecture's id). `plugins` must outlive the lookup.
ml::ArchitectureLookup pluginArchitectures(const PluginManager &plugins);

} // namespace training
} // namespace millrace
