#include "core/workspace/session.h"

#include "core/plugins/pluginmanager.h"
#include "core/workspace/workspace.h"

namespace millrace {

Result<std::unique_ptr<Session>> Session::open(const QString &root, const QStringList &pluginDirs)
{
    Result<std::unique_ptr<Workspace>> workspace = Workspace::open(root);
    if (!workspace)
        return workspace.error();
    auto plugins = std::make_unique<PluginManager>();
    plugins->load(pluginDirs);
    return std::unique_ptr<Session>(new Session(std::move(workspace).value(), std::move(plugins)));
}

Session::Session(std::unique_ptr<Workspace> workspace, std::unique_ptr<PluginManager> plugins)
    : m_workspace(std::move(workspace)), m_plugins(std::move(plugins))
{
}

Session::~Session() = default;

} // namespace millrace
