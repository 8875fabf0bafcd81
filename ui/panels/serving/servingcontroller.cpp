#include "ui/panels/serving/servingcontroller.h"

#include "core/base/servicethread.h"
#include "core/serving/servedmodel.h"
#include "core/workspace/secretstore.h"
#include "ui/panels/serving/servingpanellog.h"

namespace millrace::ui {

using serving::ServingService;
using serving::servingTokenKey;

ServingController::ServingController(QObject *parent)
    : QObject(parent), m_retirer(QStringLiteral("serving-stop"))
{
}

ServingController::~ServingController()
{
    joinAll();
}

void ServingController::attach(const registry::RegistryStore &registry,
                               ml::ArchitectureLookup architectures)
{
    detach();
    m_registry = &registry;
    m_architectures = std::move(architectures);
}

void ServingController::detach()
{
    joinAll();
    m_registry = nullptr;
    m_architectures = nullptr;
    if (m_state != State::Stopped && m_state != State::Failed)
        setState(State::Stopped);
}

void ServingController::joinAll()
{
    ++m_generation;
    // The service reads the registry: it ends before the registry closes. A join here is at
    // most a model load's and the requests in flight's time, when the workspace closes.
    if (ServiceThread *thread = std::exchange(m_thread, nullptr)) {
        thread->stop();
        delete thread;
    }
    m_service = nullptr;
    m_retirer.waitAll();
}

void ServingController::start(serving::ServingConfig config)
{
    if (!isAttached() || (m_state != State::Stopped && m_state != State::Failed))
        return;
    m_config = std::move(config);
    m_config.server.token.clear();
    m_failure.clear();
    m_port = 0;
    m_primary = 0;
    m_candidate = 0;
    m_candidateWeight = 0;
    m_versions.clear();
    const quint64 generation = ++m_generation;
    setState(State::Starting);
    // The keychain may ask the user to unlock it: the read answers later, never blocking.
    readSecretAsync(servingTokenKey(), this,
                    [this, generation](Result<QString> token) { onTokenRead(generation, token); });
}

void ServingController::onTokenRead(quint64 generation, const Result<QString> &token)
{
    if (generation != m_generation || m_state != State::Starting)
        return;
    if (!token && token.error().code != secreterror::kNotFound
        && token.error().code != secreterror::kNoKeychain) {
        // Locked or refused: a token may exist, so serving without it could open the model up.
        m_failure =
            tr("cannot read the serving token from the keychain: %1").arg(token.errorMessage());
        setState(State::Failed);
        return;
    }
    if (!token && token.error().code == secreterror::kNoKeychain)
        qCInfo(lcServingPanel).noquote()
            << "no keychain, so no serving token:" << token.errorMessage();
    m_config.server.token = token ? *token : QString();
    Q_EMIT tokenChecked(!m_config.server.token.isEmpty());
    if (!m_config.server.address.isLoopback() && m_config.server.token.isEmpty()
        && !m_config.server.allowUnauthenticatedRemote) {
        Q_EMIT consentNeeded(m_config.server.address.toString());
        return;
    }
    launch();
}

void ServingController::giveConsent(bool serveWithoutToken)
{
    if (m_state != State::Starting || m_thread)
        return;
    if (!serveWithoutToken) {
        setState(State::Stopped);
        return;
    }
    m_config.server.allowUnauthenticatedRemote = true;
    launch();
}

void ServingController::launch()
{
    if (!isAttached())
        return;
    auto *service = new ServingService(*m_registry, m_architectures, m_config);
    m_service = service;
    m_metrics = service->metrics();
    const quint64 generation = m_generation;
    // Queued: the service lives on its own thread. A generation that moved on is a service
    // being stopped; what it still says is dropped.
    connect(service, &ServingService::listening, this, [this, generation](quint16 port) {
        if (generation != m_generation)
            return;
        m_port = port;
        setState(m_primary > 0 ? State::Serving : State::Waiting);
    });
    connect(service, &ServingService::deployed, this,
            [this, generation](qint64 primary, qint64 candidate, double weight) {
                if (generation != m_generation || !m_service)
                    return;
                m_primary = primary;
                m_candidate = candidate;
                m_candidateWeight = candidate > 0 ? weight : 0;
                for (qint64 version : {primary, candidate}) {
                    const std::shared_ptr<const serving::ServedModel> model =
                        m_service->servedModel(version);
                    if (!model)
                        continue;
                    VersionInfo info;
                    info.model = model->name();
                    for (const std::string &name : model->classNames())
                        info.classNames.append(QString::fromStdString(name));
                    info.tensorInput = model->inputSpec().kind == serving::InputSpec::Kind::Tensor;
                    info.sampleShape = model->inputSpec().sampleShape;
                    info.outputWidth = model->outputWidth();
                    m_versions.insert(version, info);
                }
                if (m_port > 0)
                    setState(State::Serving);
                Q_EMIT deployed(primary, candidate, m_candidateWeight);
            });
    connect(service, &ServingService::deploymentFailed, this,
            [this, generation](const QString &message) {
                if (generation == m_generation)
                    Q_EMIT deploymentFailed(message);
            });
    connect(service, &Service::failed, this, [this, generation](const QString &message) {
        if (generation != m_generation)
            return;
        m_failure = message;
        stopThread(State::Failed);
    });
    m_thread = new ServiceThread(service, QStringLiteral("serving"));
    m_thread->start();
    qCInfo(lcServingPanel).noquote() << "serving" << m_config.primary.describe() << "on"
                                     << m_config.server.address.toString() + QLatin1Char(':')
                                            + QString::number(m_config.server.port);
}

void ServingController::stop()
{
    if (m_state == State::Starting && !m_thread) {
        ++m_generation; // a token read or a consent still to come is dropped
        setState(State::Stopped);
        return;
    }
    stopThread(State::Stopped);
}

void ServingController::stopThread(State after)
{
    ServiceThread *thread = std::exchange(m_thread, nullptr);
    if (!thread)
        return;
    ++m_generation;
    m_service = nullptr;
    m_port = 0;
    setState(State::Stopping);
    // ServiceThread::stop() joins the thread, which finishes a model load under way and the
    // requests in flight first: seconds, perhaps. A worker waits instead of the GUI thread.
    m_retirer.retire(thread, [this, after] {
        qCInfo(lcServingPanel) << "serving stopped";
        if (m_state == State::Stopping && m_retirer.idle())
            setState(after);
    });
}

std::shared_ptr<const serving::ModelRouter> ServingController::router() const
{
    return m_service ? m_service->router() : nullptr;
}

void ServingController::setCandidate(std::optional<serving::ServingTarget> candidate, double weight)
{
    if (candidate && weight <= 0)
        candidate.reset();
    m_config.candidate = candidate;
    m_config.candidateWeight = candidate ? weight : 0;
    if (m_service)
        m_service->setCandidate(std::move(candidate), weight);
}

QString ServingController::boundUrl() const
{
    if (m_port == 0)
        return QString();
    const QHostAddress &address = m_config.server.address;
    const QString host = address.protocol() == QAbstractSocket::IPv6Protocol
                             ? QStringLiteral("[%1]").arg(address.toString())
                             : address.toString();
    return QStringLiteral("http://%1:%2").arg(host).arg(m_port);
}

QUrl ServingController::localUrl() const
{
    if (m_port == 0)
        return QUrl();
    QHostAddress address = m_config.server.address;
    if (address == QHostAddress::Any || address == QHostAddress::AnyIPv4)
        address = QHostAddress::LocalHost;
    else if (address == QHostAddress::AnyIPv6)
        address = QHostAddress::LocalHostIPv6;
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    url.setHost(address.toString());
    url.setPort(m_port);
    return url;
}

QByteArray ServingController::authorization() const
{
    if (m_config.server.token.isEmpty())
        return QByteArray();
    return QByteArrayLiteral("Bearer ") + m_config.server.token.toUtf8();
}

std::optional<ServingController::VersionInfo> ServingController::versionInfo(qint64 version) const
{
    const auto found = m_versions.constFind(version);
    if (found == m_versions.constEnd())
        return std::nullopt;
    return found.value();
}

void ServingController::setState(State state)
{
    if (state == m_state && state != State::Failed)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

} // namespace millrace::ui
