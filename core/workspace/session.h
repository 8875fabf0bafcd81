#pragma once

#include "core/base/result.h"

#include <QStringList>

#include <memory>

namespace millrace {

class PluginManager;
class Workspace;

/// Everything one open workspace runs with: the workspace (database, folders, lock) and the
/// plugins. The GUI and --headless both start from a Session; services that later issues add are
/// wired here. Opening does file and database work, so run it off the GUI thread.
class Session
{
public:
    /// Opens the workspace at `root` and loads plugins from `pluginDirs`.
    static Result<std::unique_ptr<Session>> open(const QString &root,
                                                 const QStringList &pluginDirs);
    ~Session();

    Workspace &workspace() const { return *m_workspace; }
    PluginManager &plugins() const { return *m_plugins; }

private:
    Session(std::unique_ptr<Workspace> workspace, std::unique_ptr<PluginManager> plugins);

    std::unique_ptr<Workspace> m_workspace;
    std::unique_ptr<PluginManager> m_plugins;
};

} // namespace millrace
