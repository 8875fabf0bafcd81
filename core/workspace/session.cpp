#include "core/workspace/session.h"

#include "core/base/durablefiles.h"
#include "core/base/servicethread.h"
#include "core/plugins/pluginmanager.h"
#include "core/registry/registryrestapi.h"
#include "core/registry/registrystore.h"
#include "core/scheduler/builtinoperators.h"
#include "core/scheduler/operatorcatalog.h"
#include "core/scheduler/schedulerservice.h"
#include "core/store/appstate.h"
#include "core/store/store.h"
#include "core/streams/clusterclient.h"
#include "core/streams/profilestore.h"
#include "core/streams/streamsservice.h"
#include "core/tracking/trackingserver.h"
#include "core/tracking/trackingstore.h"
#include "core/training/pluginarchitectures.h"
#include "core/training/trainingservice.h"
#include "core/workspace/secretstore.h"
#include "core/workspace/workspace.h"
#include "core/workspace/workspacelog.h"
#include "plugins/api/plugininfo.h"

#include "plugins/api/taskoperator.h"
#include <QDir>
#include <QFile>

namespace millrace {

namespace {

// Copies the shipped DAG files (compiled in from resources/dags) into a workspace that never had
// them, and turns demo speed on there, in one database write.
Result<void> installExampleDags(Workspace &workspace)
{
    Store &store = workspace.store();
    auto installed = store.read([](SQLite::Database &db) {
        return appstate::get(db, QLatin1String(kExampleDagsInstalledSetting)).has_value();
    });
    if (!installed)
        return installed.error();
    if (*installed)
        return {};
    const QDir shipped(QStringLiteral(":/millrace/dags"));
    const QDir target(workspace.dagsDir());
    for (const QString &name : shipped.entryList(QDir::Files, QDir::Name)) {
        if (target.exists(name))
            continue; // never overwrite a user's file
        QFile source(shipped.filePath(name));
        if (!source.open(QIODevice::ReadOnly))
            return fail(QStringLiteral("cannot read the example DAG %1").arg(name));
        if (Result<void> written = writeFileDurably(target.filePath(name), source.readAll());
            !written)
            return written.error();
    }
    auto marked =
        store
            .write([](SQLite::Database &db) {
                appstate::set(db, QLatin1String(kExampleDagsInstalledSetting), QStringLiteral("1"));
                appstate::set(db, scheduler::SchedulerService::demoSpeedKey(),
                              QStringLiteral("on"));
            })
            .result();
    if (!marked)
        return marked.error();
    qCInfo(lcWorkspace).noquote() << "installed the example pipeline in" << target.path()
                                  << "with demo speed on";
    return {};
}

} // namespace

Result<std::unique_ptr<Session>> Session::open(const QString &root, const SessionOptions &options)
{
    Result<std::unique_ptr<Workspace>> workspace = Workspace::open(root);
    if (!workspace)
        return workspace.error();
    auto plugins = std::make_unique<PluginManager>();
    plugins->load(options.pluginDirs);
    SessionOptions resolved = options;
    if (!resolved.trackingPort) {
        Result<std::optional<QString>> setting =
            (*workspace)->store().read([](SQLite::Database &db) {
                return appstate::get(db, QLatin1String(kTrackingPortSetting));
            });
        if (!setting)
            return setting.error();
        bool ok = true;
        const uint port = setting->has_value() ? (*setting)->toUInt(&ok) : kDefaultTrackingPort;
        if (!ok || port > 65535)
            return fail(QStringLiteral("the workspace setting %1 is \"%2\", not a port number")
                            .arg(QLatin1String(kTrackingPortSetting), **setting));
        resolved.trackingPort = quint16(port);
    }
    if (resolved.installExampleDags) {
        if (Result<void> installed = installExampleDags(**workspace); !installed)
            return installed.error();
    }
    std::unique_ptr<Session> session(
        new Session(std::move(workspace).value(), std::move(plugins), resolved));
    Result<int> interrupted = session->m_tracking->failInterruptedRuns();
    if (!interrupted)
        return interrupted.error();
    Result<registry::RecoveryReport> recovered = session->m_registry->recover();
    if (!recovered)
        return recovered.error();
    return session;
}

Session::Session(std::unique_ptr<Workspace> workspace, std::unique_ptr<PluginManager> plugins,
                 SessionOptions options)
    : m_options(std::move(options)), m_workspace(std::move(workspace)),
      m_plugins(std::move(plugins)), m_tracking(std::make_unique<tracking::TrackingStore>(
                                         m_workspace->store(), m_workspace->artifactsDir())),
      m_registry(std::make_unique<registry::RegistryStore>(m_workspace->store(), *m_tracking,
                                                           m_workspace->modelsDir())),
      m_streamProfiles(std::make_unique<streams::ProfileStore>(m_workspace->store())),
      m_noopOperator(std::make_unique<scheduler::NoopOperator>()),
      m_operators(std::make_unique<scheduler::OperatorCatalog>())
{
    m_operators->add(QStringLiteral("noop"), m_noopOperator.get(), QStringLiteral("built-in"));
    for (const PluginInfo &plugin : m_plugins->plugins()) {
        if (plugin.kind != QLatin1String(plugins::kind::kTaskOperator))
            continue;
        auto *op = m_plugins->find<plugins::TaskOperator>(plugin.id);
        if (op && !m_operators->add(plugin.id, op, plugin.file))
            qCWarning(lcWorkspace).noquote()
                << "the task operator" << plugin.id << "in" << plugin.file
                << "is ignored: a built-in operator has its id";
    }
}

Session::~Session()
{
    // Services first: they use the tracking store and the database. A running training job
    // stops at its next batch, ending its run KILLED.
    if (training::TrainingService *trainer = training())
        trainer->cancelAll();
    // The scheduler before the services its tasks use: its stop cancels running tasks and
    // waits for them.
    m_schedulerThread.reset();
    m_trainingThread.reset();
    m_streamsThread.reset();
    m_trackingThread.reset();
    m_kept.clear();
}

void Session::startServices()
{
    if (m_options.trackingServer && !m_trackingThread) {
        m_trackingThread = std::make_unique<ServiceThread>(
            new tracking::TrackingServer(*m_tracking, m_options.trackingAddress,
                                         m_options.trackingPort.value_or(kDefaultTrackingPort),
                                         registry::registryEndpoints(*m_registry, *m_tracking)),
            QStringLiteral("tracking-server"));
        m_trackingThread->start();
    }
    if (!m_trainingThread) {
        m_trainingThread = std::make_unique<ServiceThread>(
            new training::TrainingService(*m_tracking, training::pluginArchitectures(*m_plugins)),
            QStringLiteral("trainer"));
        m_trainingThread->start();
    }
    if (m_options.streams && !m_streamsThread) {
        // Profiles keep their passwords in the system keychain; the service reads one when it
        // connects, on its own thread.
        m_streamsThread = std::make_unique<ServiceThread>(
            new streams::StreamsService(m_workspace->store(), *m_streamProfiles,
                                        [](const QString &key) { return readSecret(key); }),
            QStringLiteral("streams"));
        m_streamsThread->start();
    }
    if (m_options.scheduler && !m_schedulerThread) {
        scheduler::SchedulerOptions options;
        options.workspaceRoot = m_workspace->root();
        options.dagsDir = m_workspace->dagsDir();
        options.logsDir = m_workspace->logsDir();
        scheduler::EventSources events;
        if (streams::StreamsService *service = streams()) {
            // Counts what a topic has received so far (the sum of its high watermarks), on the
            // cluster the streams service uses now.
            events.topicMessageCount = [service](const QString &topic) -> Result<qint64> {
                const std::optional<streams::ClusterEndpoint> endpoint = service->endpoint();
                if (!endpoint)
                    return fail(QStringLiteral("not connected to a Kafka cluster yet"));
                auto client = streams::ClusterClient::create(*endpoint);
                if (!client)
                    return client.error();
                auto info = (*client)->describeTopic(topic, std::chrono::seconds(5));
                if (!info)
                    return info.error();
                qint64 total = 0;
                for (const streams::PartitionInfo &partition : info->partitions)
                    total += std::max<std::int64_t>(0, partition.highWatermark);
                return total;
            };
        }
        m_schedulerThread = std::make_unique<ServiceThread>(
            new scheduler::SchedulerService(m_workspace->store(), *m_operators, options,
                                            std::move(events)),
            QStringLiteral("scheduler"));
        m_schedulerThread->start();
    }
}

scheduler::SchedulerService *Session::scheduler() const
{
    return m_schedulerThread
               ? static_cast<scheduler::SchedulerService *>(m_schedulerThread->service())
               : nullptr;
}

streams::StreamsService *Session::streams() const
{
    return m_streamsThread ? static_cast<streams::StreamsService *>(m_streamsThread->service())
                           : nullptr;
}

training::TrainingService *Session::training() const
{
    return m_trainingThread ? static_cast<training::TrainingService *>(m_trainingThread->service())
                            : nullptr;
}

tracking::TrackingServer *Session::trackingServer() const
{
    return m_trackingThread ? static_cast<tracking::TrackingServer *>(m_trackingThread->service())
                            : nullptr;
}

} // namespace millrace
