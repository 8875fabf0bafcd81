#include "core/training/pluginarchitectures.h"

#include "core/plugins/pluginmanager.h"
#include "plugins/api/modelarchitecture.h"

namespace millrace::training {

ml::ArchitectureLookup pluginArchitectures(const PluginManager &plugins)
{
    return [&plugins](const std::string &id) -> const ml::Architecture * {
        const auto *plugin = plugins.find<plugins::ModelArchitecture>(QString::fromStdString(id));
        if (!plugin || plugin->architecture().id() != id)
            return nullptr;
        return &plugin->architecture();
    };
}

} // namespace millrace::training
