#include "core/serving/servingservice.h"

#include "core/registry/registrystore.h"
#include "core/serving/modelrouter.h"
#include "core/serving/servinglog.h"
#include "core/serving/servingmetrics.h"

#include <QtConcurrent/QtConcurrentRun>

namespace millrace::serving {

namespace {

// The version `target` names in the registry now.
Result<qint64> resolveVersion(const registry::RegistryStore &registry, const ServingTarget &target)
{
    if (target.version > 0)
        return target.version;
    if (!target.alias.isEmpty()) {
        auto version = registry.versionByAlias(target.model, target.alias);
        if (!version)
            return version.error();
        return version->version;
    }
    const std::optional<registry::Stage> stage = registry::stageFromString(target.stage);
    if (!stage)
        return fail(QStringLiteral("unknown stage \"%1\"").arg(target.stage));
    auto latest = registry.latestVersions(target.model, {*stage});
    if (!latest)
        return latest.error();
    if (latest->isEmpty())
        return fail(QStringLiteral("%1 has no version in %2 yet")
                        .arg(target.model, registry::toString(*stage)));
    return latest->first().version;
}

// What a check found: a deployment to put in service, or why there is none to change to.
struct FollowOutcome
{
    qint64 change = -1;
    std::shared_ptr<const Deployment> deployment; ///< null: keep what is in service
    QString problem;
};

// The model for `version`: the one already in service when it is that version, else loaded.
Result<std::shared_ptr<const ServedModel>> modelFor(const registry::RegistryStore &registry,
                                                    const ml::ArchitectureLookup &architectures,
                                                    const QString &name, qint64 version, int copies,
                                                    const Deployment *current)
{
    if (current) {
        for (const auto &served : {current->primary, current->candidate}) {
            if (served && served->name() == name && served->version() == version)
                return served;
        }
    }
    qCInfo(lcServing).noquote() << "loading version" << version << "of" << name;
    return ServedModel::load(registry, architectures, name, version, copies);
}

FollowOutcome check(const registry::RegistryStore &registry,
                    const ml::ArchitectureLookup &architectures, const ServingConfig &config,
                    std::shared_ptr<const Deployment> current, qint64 lastChange)
{
    FollowOutcome outcome;
    auto change = registry.changeCount();
    if (!change) {
        outcome.problem = change.errorMessage();
        return outcome;
    }
    outcome.change = *change;
    if (*change == lastChange)
        return outcome;

    Result<qint64> primary = resolveVersion(registry, config.primary);
    if (!primary) {
        outcome.problem =
            QStringLiteral("%1: %2").arg(config.primary.describe(), primary.errorMessage());
        return outcome;
    }
    qint64 candidateVersion = 0;
    const bool split = config.candidate && config.candidateWeight > 0;
    if (split) {
        Result<qint64> candidate = resolveVersion(registry, *config.candidate);
        if (!candidate) {
            outcome.problem = QStringLiteral("%1: %2").arg(config.candidate->describe(),
                                                           candidate.errorMessage());
            return outcome;
        }
        candidateVersion = *candidate;
    }
    const auto versionOf = [](const std::shared_ptr<const ServedModel> &model) {
        return model ? model->version() : qint64(0);
    };
    if (current && versionOf(current->primary) == *primary
        && versionOf(current->candidate) == candidateVersion
        && (!split || current->candidateWeight == config.candidateWeight))
        return outcome; // nothing moved

    const int copies = std::max(1, config.server.workers);
    auto deployment = std::make_shared<Deployment>();
    auto primaryModel =
        modelFor(registry, architectures, config.primary.model, *primary, copies, current.get());
    if (!primaryModel) {
        outcome.problem = primaryModel.errorMessage();
        return outcome;
    }
    deployment->primary = *primaryModel;
    if (split) {
        auto candidateModel = modelFor(registry, architectures, config.candidate->model,
                                       candidateVersion, copies, current.get());
        if (!candidateModel) {
            outcome.problem = candidateModel.errorMessage();
            return outcome;
        }
        deployment->candidate = *candidateModel;
        deployment->candidateWeight = std::clamp(config.candidateWeight, 0.0, 1.0);
    }
    outcome.deployment = std::move(deployment);
    return outcome;
}

} // namespace

QString ServingTarget::describe() const
{
    if (version > 0)
        return QStringLiteral("%1/%2").arg(model).arg(version);
    if (!alias.isEmpty())
        return QStringLiteral("%1@%2").arg(model, alias);
    return QStringLiteral("%1/%2").arg(model, stage);
}

ServingService::ServingService(const registry::RegistryStore &registry,
                               ml::ArchitectureLookup architectures, ServingConfig config)
    : m_registry(registry), m_architectures(std::move(architectures)), m_config(std::move(config)),
      m_router(std::make_shared<ModelRouter>()), m_metrics(std::make_shared<ServingMetrics>())
{
    m_loader.setMaxThreadCount(1);
    m_loader.setObjectName(QStringLiteral("serving-loader"));
}

ServingService::~ServingService()
{
    m_loader.waitForDone();
}

quint16 ServingService::port() const
{
    return m_server ? m_server->port() : 0;
}

void ServingService::start()
{
    m_server = std::make_unique<ScoringServer>(m_config.server, m_router, m_metrics);
    connect(m_server.get(), &ScoringServer::listening, this, &ServingService::listening);
    connect(m_server.get(), &ScoringServer::failed, this, &ServingService::failed);
    m_server->start();
    if (m_server->port() == 0)
        return; // it failed and said why: with nothing to serve on, nothing to follow or load
    m_followTimer = new QTimer(this);
    m_followTimer->setInterval(m_config.followInterval);
    connect(m_followTimer, &QTimer::timeout, this, &ServingService::follow);
    m_followTimer->start();
    follow();
}

void ServingService::stop()
{
    if (m_followTimer)
        m_followTimer->stop();
    m_loader.waitForDone();
    if (m_server)
        m_server->stop();
}

void ServingService::setCandidate(std::optional<ServingTarget> candidate, double weight)
{
    QMetaObject::invokeMethod(
        this,
        [this, candidate = std::move(candidate), weight] {
            m_config.candidate = candidate;
            m_config.candidateWeight = candidate ? std::clamp(weight, 0.0, 1.0) : 0.0;
            ++m_configGeneration; // a check under way now works from the old config
            m_lastChange = -1;    // check now, whatever the registry says
            follow();
        },
        Qt::QueuedConnection);
}

std::shared_ptr<const ServedModel> ServingService::servedModel(qint64 version) const
{
    const std::shared_ptr<const Deployment> now = m_router->deployment();
    if (!now)
        return nullptr;
    for (const auto &model : {now->primary, now->candidate}) {
        if (model && model->version() == version)
            return model;
    }
    return nullptr;
}

void ServingService::follow()
{
    if (m_following)
        return;
    m_following = true;
    QtConcurrent::run(&m_loader, check, std::cref(m_registry), m_architectures, m_config,
                      m_router->deployment(), m_lastChange)
        .then(this, [this, generation = m_configGeneration](const FollowOutcome &outcome) {
            m_following = false;
            if (generation != m_configGeneration) {
                // setCandidate() changed the config while this check ran: its outcome is for
                // the old one, and taking its change count would skip the new one until the
                // registry moved again. Check again, now.
                m_lastChange = -1;
                follow();
                return;
            }
            if (!outcome.problem.isEmpty()) {
                if (outcome.problem != m_lastProblem) {
                    qCWarning(lcServing).noquote() << "cannot serve:" << outcome.problem;
                    Q_EMIT deploymentFailed(outcome.problem);
                }
                m_lastProblem = outcome.problem;
                return; // checked again at the next tick
            }
            m_lastProblem.clear();
            m_lastChange = outcome.change;
            if (!outcome.deployment)
                return;
            const std::shared_ptr<const Deployment> previous = m_router->deployment();
            m_router->deploy(outcome.deployment);
            const Deployment &now = *outcome.deployment;
            const qint64 primary = now.primary->version();
            const qint64 candidate = now.candidate ? now.candidate->version() : 0;
            if (previous) {
                // A new weight for the same two versions is not a swap.
                const qint64 previousCandidate =
                    previous->candidate ? previous->candidate->version() : 0;
                if (previous->primary->version() != primary || previousCandidate != candidate)
                    m_metrics->recordSwap();
                for (const auto &model : {previous->primary, previous->candidate}) {
                    if (model)
                        m_metrics->setServed(model->name(), model->version(), 0);
                }
            }
            m_metrics->setServed(now.primary->name(), primary, 1.0 - now.candidateWeight);
            if (now.candidate)
                m_metrics->setServed(now.candidate->name(), candidate, now.candidateWeight);
            qCInfo(lcServing).noquote()
                << "serving version" << primary << "of" << now.primary->name()
                << (candidate ? QStringLiteral("with version %1 on %2% of requests")
                                    .arg(candidate)
                                    .arg(now.candidateWeight * 100)
                              : QString());
            Q_EMIT deployed(primary, candidate, now.candidateWeight);
        });
}

} // namespace millrace::serving
