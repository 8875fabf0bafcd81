#include "ui/panels/registry/registryfeed.h"

#include "core/base/job.h"
#include "core/registry/registrystore.h"
#include "core/store/store.h"
#include "ui/panels/registry/registrypanellog.h"

#include <QTimer>

namespace millrace::ui {

namespace {

// A promotion made elsewhere (the REST API, a pipeline) shows within about a second.
constexpr int kPollIntervalMs = 1000;

// Each outcome carries the registry's change count read before the data: when the count later
// differs, something changed after the read.
struct ModelsOutcome
{
    QList<registry::RegisteredModel> models;
    qint64 changes = 0;
    quint64 commits = 0;
    std::optional<Error> error;
};

struct DetailOutcome
{
    ModelDetail detail;
    std::optional<Error> error;
};

struct PollOutcome
{
    qint64 changes = 0;
    quint64 commits = 0;
    std::optional<Error> error;
};

} // namespace

} // namespace millrace::ui

Q_DECLARE_METATYPE(millrace::ui::ModelsOutcome)
Q_DECLARE_METATYPE(millrace::ui::DetailOutcome)
Q_DECLARE_METATYPE(millrace::ui::PollOutcome)

namespace millrace::ui {

RegistryFeed::RegistryFeed(QObject *parent) : QObject(parent), m_pollTimer(new QTimer(this))
{
    // Two threads: a poll and a load can overlap. They never expire, so each keeps its one read
    // connection to the store.
    m_pool.setMaxThreadCount(2);
    m_pool.setExpiryTimeout(-1);
    m_pollTimer->setInterval(kPollIntervalMs);
    connect(m_pollTimer, &QTimer::timeout, this, &RegistryFeed::pollNow);
}

RegistryFeed::~RegistryFeed()
{
    detach();
}

void RegistryFeed::attach(const registry::RegistryStore &registry,
                          const tracking::TrackingStore &tracking, const Store &store)
{
    detach();
    m_registry = &registry;
    m_tracking = &tracking;
    m_store = &store;
    loadModels();
}

void RegistryFeed::detach()
{
    m_pollTimer->stop();
    dropJobs();
    // The jobs' functions hold references into the stores: let them end before those close.
    m_pool.waitForDone();
    m_registry = nullptr;
    m_tracking = nullptr;
    m_store = nullptr;
    m_modelName.clear();
    m_loadedChanges.reset();
    m_seenCommits.reset();
}

void RegistryFeed::dropJobs()
{
    // A deleted Job emits nothing: its result is dropped.
    delete m_modelsJob.data();
    delete m_detailJob.data();
    delete m_pollJob.data();
}

void RegistryFeed::setModelName(const QString &name)
{
    if (name == m_modelName)
        return;
    m_modelName = name;
    delete m_detailJob.data();
    if (isAttached() && !name.isEmpty())
        loadDetail();
}

void RegistryFeed::reload()
{
    if (!isAttached())
        return;
    loadModels();
    if (!m_modelName.isEmpty())
        loadDetail();
}

void RegistryFeed::setPolling(bool on)
{
    if (on == m_pollTimer->isActive())
        return;
    if (on) {
        m_pollTimer->start();
        pollNow();
    } else {
        m_pollTimer->stop();
        delete m_pollJob.data();
    }
}

bool RegistryFeed::isPolling() const
{
    return m_pollTimer->isActive();
}

void RegistryFeed::loadModels()
{
    delete m_modelsJob.data();
    const registry::RegistryStore *registry = m_registry;
    const Store *store = m_store;
    Job *job = Job::start(
        QStringLiteral("load registered models"),
        [registry, store](JobContext &) {
            ModelsOutcome outcome;
            outcome.commits = store->committedBatches();
            auto changes = registry->changeCount();
            auto models = loadRegisteredModels(*registry);
            if (!changes)
                outcome.error = changes.error();
            else if (!models)
                outcome.error = models.error();
            else {
                outcome.changes = *changes;
                outcome.models = *models;
            }
            return QVariant::fromValue(outcome);
        },
        this, &m_pool);
    m_modelsJob = job;
    connect(job, &Job::succeeded, this, [this, job](const QVariant &value) {
        m_modelsJob = nullptr;
        job->deleteLater();
        const auto outcome = value.value<ModelsOutcome>();
        if (outcome.error) {
            qCWarning(lcRegistryPanel).noquote()
                << "loading registered models failed:" << outcome.error->message;
            Q_EMIT loadFailed(outcome.error->message);
            return;
        }
        m_loadedChanges = outcome.changes;
        m_seenCommits = outcome.commits;
        Q_EMIT modelsLoaded(outcome.models);
    });
    connect(job, &Job::failed, this, [this, job](const QString &message) {
        m_modelsJob = nullptr;
        job->deleteLater();
        Q_EMIT loadFailed(message);
    });
}

void RegistryFeed::loadDetail()
{
    delete m_detailJob.data();
    const registry::RegistryStore *registry = m_registry;
    const tracking::TrackingStore *tracking = m_tracking;
    const QString name = m_modelName;
    Job *job = Job::start(
        QStringLiteral("load registered model"),
        [registry, tracking, name](JobContext &) {
            DetailOutcome outcome;
            auto detail = loadModelDetail(*registry, *tracking, name);
            if (detail)
                outcome.detail = *detail;
            else
                outcome.error = detail.error();
            return QVariant::fromValue(outcome);
        },
        this, &m_pool);
    m_detailJob = job;
    connect(job, &Job::succeeded, this, [this, job, name](const QVariant &value) {
        m_detailJob = nullptr;
        job->deleteLater();
        const auto outcome = value.value<DetailOutcome>();
        if (outcome.error) {
            if (outcome.error->code == registry::errorcode::kResourceDoesNotExist) {
                Q_EMIT modelMissing(name);
                return;
            }
            qCWarning(lcRegistryPanel).noquote()
                << "loading model" << name << "failed:" << outcome.error->message;
            Q_EMIT loadFailed(outcome.error->message);
            return;
        }
        Q_EMIT detailLoaded(outcome.detail);
    });
    connect(job, &Job::failed, this, [this, job](const QString &message) {
        m_detailJob = nullptr;
        job->deleteLater();
        Q_EMIT loadFailed(message);
    });
}

bool RegistryFeed::pollNow()
{
    if (!isAttached() || m_pollJob)
        return false;
    // Nothing committed since the last look: nothing to ask. (One atomic load, fine on the GUI
    // thread; only this process writes the workspace.)
    const quint64 commits = m_store->committedBatches();
    if (m_seenCommits == commits)
        return false;
    const registry::RegistryStore *registry = m_registry;
    const Store *store = m_store;
    Job *job = Job::start(
        QStringLiteral("poll registry"),
        [registry, store](JobContext &) {
            PollOutcome outcome;
            outcome.commits = store->committedBatches();
            auto changes = registry->changeCount();
            if (changes)
                outcome.changes = *changes;
            else
                outcome.error = changes.error();
            return QVariant::fromValue(outcome);
        },
        this, &m_pool);
    m_pollJob = job;
    connect(job, &Job::succeeded, this, [this, job](const QVariant &value) {
        m_pollJob = nullptr;
        job->deleteLater();
        const auto outcome = value.value<PollOutcome>();
        if (outcome.error) {
            // The next tick tries again; a lasting failure also fails the loads, which say so.
            qCDebug(lcRegistryPanel).noquote()
                << "polling the registry failed:" << outcome.error->message;
            return;
        }
        if (outcome.changes != m_loadedChanges) {
            // The models load records the count and commits it was read at.
            if (!m_modelsJob)
                reload();
        } else {
            m_seenCommits = outcome.commits; // other data changed (runs, metrics), not ours
        }
    });
    connect(job, &Job::failed, this, [this, job](const QString &) {
        m_pollJob = nullptr;
        job->deleteLater();
    });
    return true;
}

} // namespace millrace::ui
