#pragma once

#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>

#include <memory>
#include <vector>

QT_BEGIN_NAMESPACE
class QPluginLoader;
QT_END_NAMESPACE

namespace millrace {

/// One plugin library found on disk, as its metadata describes it.
struct PluginInfo
{
    QString file;
    QString id;
    QString name;
    QString version;
    QString kind;
    QString description;
};

/// A plugin library that could not be used, with the reason, for the UI to show.
struct PluginLoadError
{
    QString file;
    QString message;
};

/// Finds and loads Millrace's plugins. It reads each library's JSON metadata first and rejects,
/// without running its code, one whose metadata is missing, malformed, of an unknown kind or of
/// another API version, or whose id is taken. The rest load in a fixed order (by kind, then id),
/// so start-up is the same on every machine. Failures are kept, never fatal.
class PluginManager
{
public:
    PluginManager();
    ~PluginManager();

    /// Where plugins are looked for: $MILLRACE_PLUGIN_PATH (colon-separated) if set, else the
    /// plugin folder next to the executable (lib/.../millrace/plugins).
    static QStringList defaultSearchPaths();

    /// Scans `directories` and loads every valid plugin found. Call once.
    void load(const QStringList &directories);

    /// Loaded plugins, in load order.
    QList<PluginInfo> plugins() const;
    /// Libraries that were rejected or failed to load.
    QList<PluginLoadError> errors() const { return m_errors; }

    /// The loaded plugin with `id` as interface `Interface`, or null.
    template <typename Interface> Interface *find(const QString &id) const
    {
        for (const Loaded &plugin : m_loaded) {
            if (plugin.info.id == id)
                return qobject_cast<Interface *>(plugin.instance.data());
        }
        return nullptr;
    }

private:
    struct Loaded
    {
        PluginInfo info;
        std::unique_ptr<QPluginLoader> loader;
        QPointer<QObject> instance;
    };

    std::vector<Loaded> m_loaded;
    QList<PluginLoadError> m_errors;
};

} // namespace millrace
