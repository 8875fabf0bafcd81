#include "core/plugins/pluginmanager.h"

#include "core/plugins/pluginslog.h"
#include "plugins/api/messagecodec.h"
#include "plugins/api/modelarchitecture.h"
#include "plugins/api/plugininfo.h"
#include "plugins/api/taskoperator.h"

#include <QCoreApplication>
#include <QDir>
#include <QJsonObject>
#include <QLibrary>
#include <QPluginLoader>

#include <algorithm>
#include <set>

namespace millrace {

namespace {

namespace md = plugins::metadata;

struct KindSpec
{
    const char *kind;
    const char *iid;
};

// Load order of kinds: codecs and architectures before the operators that may use them.
constexpr KindSpec kKinds[] = {
    {plugins::kind::kMessageCodec, MillraceMessageCodec_iid},
    {plugins::kind::kModelArchitecture, MillraceModelArchitecture_iid},
    {plugins::kind::kTaskOperator, MillraceTaskOperator_iid},
};

int kindRank(const QString &kind)
{
    for (int i = 0; i < int(std::size(kKinds)); ++i) {
        if (kind == QLatin1String(kKinds[i].kind))
            return i;
    }
    return -1;
}

bool implementsKind(QObject *instance, const QString &kind)
{
    if (kind == QLatin1String(plugins::kind::kMessageCodec))
        return qobject_cast<plugins::MessageCodec *>(instance);
    if (kind == QLatin1String(plugins::kind::kModelArchitecture))
        return qobject_cast<plugins::ModelArchitecture *>(instance);
    if (kind == QLatin1String(plugins::kind::kTaskOperator))
        return qobject_cast<plugins::TaskOperator *>(instance);
    return false;
}

// Checks a library's metadata; returns the error, or fills `info`.
QString readMetadata(const QJsonObject &raw, const QString &file, PluginInfo &info)
{
    const QString iid = raw.value(QLatin1String("IID")).toString();
    const QJsonObject meta = raw.value(QLatin1String("MetaData")).toObject();
    if (meta.isEmpty())
        return QStringLiteral("no plugin metadata (Q_PLUGIN_METADATA with a FILE)");
    for (const char *key : {md::kId, md::kName, md::kVersion, md::kKind}) {
        if (!meta.value(QLatin1String(key)).isString()
            || meta.value(QLatin1String(key)).toString().isEmpty())
            return QStringLiteral("metadata lacks the text field \"%1\"").arg(QLatin1String(key));
    }
    info.file = file;
    info.id = meta.value(QLatin1String(md::kId)).toString();
    info.name = meta.value(QLatin1String(md::kName)).toString();
    info.version = meta.value(QLatin1String(md::kVersion)).toString();
    info.kind = meta.value(QLatin1String(md::kKind)).toString();
    info.description = meta.value(QLatin1String(md::kDescription)).toString();

    const int rank = kindRank(info.kind);
    if (rank < 0)
        return QStringLiteral("unknown plugin kind \"%1\"").arg(info.kind);
    if (iid != QLatin1String(kKinds[rank].iid))
        return QStringLiteral("kind \"%1\" needs interface %2, the library declares %3")
            .arg(info.kind, QLatin1String(kKinds[rank].iid), iid);
    const int apiVersion = meta.value(QLatin1String(md::kApiVersion)).toInt(-1);
    if (apiVersion != plugins::kApiVersion)
        return QStringLiteral("built for plugin API %1, this Millrace has API %2")
            .arg(apiVersion)
            .arg(plugins::kApiVersion);
    return QString();
}

} // namespace

PluginManager::PluginManager() = default;

PluginManager::~PluginManager()
{
    // Instances go first; the libraries stay mapped (QPluginLoader does not unload on delete),
    // so objects that outlive the manager never point into unmapped code.
    m_loaded.clear();
}

QStringList PluginManager::defaultSearchPaths()
{
    const QString fromEnvironment = qEnvironmentVariable("MILLRACE_PLUGIN_PATH");
    if (!fromEnvironment.isEmpty())
        return fromEnvironment.split(QLatin1Char(':'), Qt::SkipEmptyParts);
    return {QDir(QCoreApplication::applicationDirPath())
                .absoluteFilePath(QStringLiteral(MILLRACE_PLUGIN_DIR_FROM_BIN))};
}

void PluginManager::load(const QStringList &directories)
{
    std::vector<PluginInfo> candidates;
    std::set<QString> seenIds;
    for (const QString &directory : directories) {
        const QDir dir(directory);
        const QStringList files = dir.entryList(QDir::Files, QDir::Name);
        for (const QString &name : files) {
            const QString file = dir.absoluteFilePath(name);
            if (!QLibrary::isLibrary(file))
                continue;
            QPluginLoader probe(file);
            const QJsonObject raw = probe.metaData();
            if (raw.isEmpty()) {
                // Qt names the file twice in its message; the dialog shows the file already.
                QString reason = probe.errorString();
                reason.remove(
                    QStringLiteral("Failed to extract plugin meta data from '%1': ").arg(file));
                reason.remove(QStringLiteral("'%1' is ").arg(file));
                m_errors.append({file, QStringLiteral("not a Qt plugin: %1").arg(reason)});
                continue;
            }
            PluginInfo info;
            const QString problem = readMetadata(raw, file, info);
            if (!problem.isEmpty()) {
                m_errors.append({file, problem});
                continue;
            }
            if (!seenIds.insert(info.id).second) {
                m_errors.append(
                    {file, QStringLiteral("plugin id \"%1\" is already taken").arg(info.id)});
                continue;
            }
            candidates.push_back(info);
        }
    }

    std::sort(candidates.begin(), candidates.end(), [](const PluginInfo &a, const PluginInfo &b) {
        return std::pair(kindRank(a.kind), a.id) < std::pair(kindRank(b.kind), b.id);
    });

    for (const PluginInfo &info : candidates) {
        auto loader = std::make_unique<QPluginLoader>(info.file);
        QObject *instance = loader->instance();
        if (!instance) {
            m_errors.append(
                {info.file, QStringLiteral("cannot load: %1").arg(loader->errorString())});
            continue;
        }
        if (!implementsKind(instance, info.kind)) {
            m_errors.append(
                {info.file, QStringLiteral("does not implement the %1 interface").arg(info.kind)});
            loader->unload();
            continue;
        }
        // Loading may run on a worker thread; the instances belong to the application's thread.
        if (QCoreApplication::instance()
            && instance->thread() != QCoreApplication::instance()->thread())
            instance->moveToThread(QCoreApplication::instance()->thread());
        qCInfo(lcPlugins).noquote() << "loaded" << info.kind << info.id << info.version;
        m_loaded.push_back(Loaded{info, std::move(loader), instance});
    }
    for (const PluginLoadError &error : std::as_const(m_errors))
        qCWarning(lcPlugins).noquote() << "plugin" << error.file << "rejected:" << error.message;
}

QList<PluginInfo> PluginManager::plugins() const
{
    QList<PluginInfo> result;
    for (const Loaded &plugin : m_loaded)
        result.append(plugin.info);
    return result;
}

} // namespace millrace
