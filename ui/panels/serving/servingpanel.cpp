#include "ui/panels/serving/servingpanel.h"

#include "core/registry/registrystore.h"
#include "core/scheduler/schedulerservice.h"
#include "core/streams/streamsservice.h"
#include "core/training/pluginarchitectures.h"
#include "core/workspace/session.h"
#include "core/workspace/workspace.h"
#include "ui/panels/serving/abtestbox.h"
#include "ui/panels/serving/predictorbox.h"
#include "ui/panels/serving/predictorcontroller.h"
#include "ui/panels/serving/servingcharts.h"
#include "ui/panels/serving/servingcontrols.h"
#include "ui/panels/serving/servingpanellog.h"
#include "ui/panels/serving/servingstatus.h"
#include "ui/panels/serving/trafficsampler.h"
#include "ui/panels/serving/tryitbox.h"

#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollArea>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace millrace::ui {

namespace {

// A version registered or promoted elsewhere shows in the pickers within this time.
constexpr int kPollIntervalMs = 2000;
constexpr int kLeftWidth = 340;
// How often the Kafka predictor's counters are shown anew (atomic reads, no Kafka).
constexpr int kCountersIntervalMs = 500;

struct ModelsOutcome
{
    Result<std::optional<QList<ServableModel>>> models = std::optional<QList<ServableModel>>();
    qint64 changes = -1;
};

} // namespace

ServingPanel::ServingPanel(QWidget *parent)
    : QWidget(parent), m_controller(new ServingController(this)),
      m_sampler(new TrafficSampler(this)), m_controls(new ServingControls), m_abTest(new AbTestBox),
      m_status(new ServingStatus(*m_controller)), m_charts(new ServingCharts),
      m_tryIt(new TryItBox(*m_controller)), m_predictorController(new PredictorController(this)),
      m_predictorBox(new PredictorBox), m_pollTimer(new QTimer(this)),
      m_countersTimer(new QTimer(this))
{
    m_pool.setMaxThreadCount(1);
    m_pollTimer->setInterval(kPollIntervalMs);
    connect(m_pollTimer, &QTimer::timeout, this, [this] { loadModels(false); });
    m_countersTimer->setInterval(kCountersIntervalMs);
    connect(m_countersTimer, &QTimer::timeout, this,
            [this] { m_predictorBox->setCounters(m_predictorController->counters()); });

    auto *right = new QVBoxLayout;
    right->setContentsMargins(0, 0, 0, 0);
    right->setSpacing(10);
    right->addWidget(m_status);
    right->addWidget(m_charts, 1);
    right->addWidget(m_tryIt);

    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);
    layout->setSpacing(10);
    layout->addWidget(createLeftSide());
    layout->addLayout(right, 1);

    connect(m_controls, &ServingControls::startRequested, this, &ServingPanel::startServing);
    connect(m_controls, &ServingControls::stopRequested, m_controller, &ServingController::stop);
    connect(m_controls, &ServingControls::modelChanged, this,
            [this] { m_abTest->setModel(m_controls->currentModel()); });
    connect(m_abTest, &AbTestBox::splitChanged, this, &ServingPanel::applySplit);
    connect(m_predictorBox, &PredictorBox::startRequested, this, &ServingPanel::startPredictor);
    connect(m_predictorBox, &PredictorBox::stopRequested, m_predictorController,
            &PredictorController::stop);
    connect(m_predictorController, &PredictorController::stateChanged, this,
            &ServingPanel::onPredictorStateChanged);
    connect(m_predictorController, &PredictorController::malformedSeen, m_predictorBox,
            [this](const QString &message) {
                m_predictorBox->setNote(tr("Skipped a malformed request: %1").arg(message));
            });
    connect(m_controller, &ServingController::stateChanged, this, &ServingPanel::onStateChanged);
    connect(m_controller, &ServingController::consentNeeded, this, &ServingPanel::askConsent);
    connect(m_controller, &ServingController::tokenChecked, this,
            [this](bool stored) { m_controls->setTokenStored(stored); });
    connect(m_controller, &ServingController::deployed, this,
            [this](qint64 primary, qint64 candidate, double weight) {
                m_abTest->setDeployment(primary, candidate, weight);
                m_status->refresh();
                m_tryIt->refresh();
                announce();
            });
    connect(m_controller, &ServingController::deploymentFailed, m_status,
            &ServingStatus::setDeploymentFailure);
    connect(m_sampler, &TrafficSampler::sampled, this, [this](const TrafficSample &sample) {
        m_charts->addSample(sample);
        m_abTest->setCounts(sample.requestsByVersion);
    });
    onStateChanged(m_controller->state());
}

ServingPanel::~ServingPanel()
{
    detachSession();
}

QWidget *ServingPanel::createLeftSide()
{
    auto *column = new QWidget;
    auto *layout = new QVBoxLayout(column);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(10);
    layout->addWidget(m_controls);
    layout->addWidget(m_abTest);
    layout->addWidget(m_predictorBox);
    layout->addStretch(1);

    auto *scroll = new QScrollArea;
    scroll->setObjectName(QStringLiteral("servingLeftSide"));
    scroll->setWidget(column);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll->setFixedWidth(kLeftWidth);
    return scroll;
}

void ServingPanel::attachSession(Session &session)
{
    detachSession();
    m_session = &session;
    m_registry = &session.registry();
    m_controller->attach(session.registry(), training::pluginArchitectures(session.plugins()));
    m_tryIt->loadTestImages(session.workspace().root());
    loadModels(true);
    if (isVisible())
        m_pollTimer->start();
}

void ServingPanel::detachSession()
{
    m_pollTimer->stop();
    ++m_modelsSerial;
    m_loadingModels = false;
    // The reads hold the registry: they end before it closes.
    m_pool.waitForDone();
    // The predictor asks the session's scheduler for retrains: it ends first.
    m_predictorController->stopAndWait();
    m_controller->detach();
    m_tryIt->detach();
    m_sampler->stop();
    m_registry = nullptr;
    m_session = nullptr;
    m_loadedChanges.reset();
    m_controls->setModels({});
    m_abTest->setModel(nullptr);
}

void ServingPanel::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (m_registry) {
        loadModels(false);
        m_pollTimer->start();
    }
}

void ServingPanel::hideEvent(QHideEvent *event)
{
    QWidget::hideEvent(event);
    m_pollTimer->stop();
}

void ServingPanel::loadModels(bool force)
{
    if (!m_registry || m_loadingModels)
        return;
    if (force)
        m_loadedChanges.reset();
    m_loadingModels = true;
    const quint64 serial = ++m_modelsSerial;
    const registry::RegistryStore *registry = m_registry;
    const std::optional<qint64> known = m_loadedChanges;
    auto *watcher = new QFutureWatcher<ModelsOutcome>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, serial] {
        watcher->deleteLater();
        if (serial != m_modelsSerial || watcher->future().resultCount() == 0)
            return;
        m_loadingModels = false;
        const ModelsOutcome outcome = watcher->result();
        onModelsLoaded(outcome.models, outcome.changes);
    });
    watcher->setFuture(QtConcurrent::run(&m_pool, [registry, known] {
        ModelsOutcome outcome;
        auto changes = registry->changeCount();
        if (!changes) {
            outcome.models = changes.error();
            return outcome;
        }
        outcome.changes = *changes;
        if (known == *changes)
            return outcome; // nothing moved: nothing to read
        auto models = loadServableModels(*registry);
        if (!models)
            outcome.models = models.error();
        else
            outcome.models = std::optional<QList<ServableModel>>(*models);
        return outcome;
    }));
}

void ServingPanel::onModelsLoaded(const Result<std::optional<QList<ServableModel>>> &models,
                                  qint64 changes)
{
    if (!models) {
        qCWarning(lcServingPanel).noquote()
            << "reading the registered models failed:" << models.errorMessage();
        m_controls->setLoadError(models.errorMessage());
        return;
    }
    if (!models->has_value())
        return;
    m_loadedChanges = changes;
    m_controls->setLoadError(QString());
    m_controls->setModels(**models);
    m_abTest->setModel(m_controls->currentModel());
}

void ServingPanel::startServing()
{
    QString problem;
    std::optional<serving::ServingConfig> config = m_controls->config(&problem);
    if (!config)
        return;
    config->candidate = m_abTest->candidate(config->primary.model);
    config->candidateWeight = config->candidate ? m_abTest->weight() : 0;
    m_charts->clear();
    m_controller->start(*config);
}

void ServingPanel::askConsent(const QString &address)
{
    auto *box =
        new QMessageBox(QMessageBox::Warning, tr("Serve Without a Token?"),
                        tr("Serve on %1 without a token?").arg(address), QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("remoteConsent"));
    box->setInformativeText(
        tr("Other machines can reach this address, and no serving token is set: anyone who can "
           "reach this machine could use the model. Set a token (Token > Set Token…) to require "
           "one."));
    QPushButton *serve = box->addButton(tr("Serve Without Token"), QMessageBox::AcceptRole);
    serve->setObjectName(QStringLiteral("serveWithoutToken"));
    box->setDefaultButton(QMessageBox::Cancel);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this,
            [this, box, serve] { m_controller->giveConsent(box->clickedButton() == serve); });
    box->open();
}

void ServingPanel::applySplit()
{
    const ServingController::State state = m_controller->state();
    if (state != ServingController::State::Serving && state != ServingController::State::Waiting)
        return; // applies at the next start
    const QString model = m_controller->config().primary.model;
    m_controller->setCandidate(m_abTest->candidate(model), m_abTest->weight());
}

void ServingPanel::onStateChanged(ServingController::State state)
{
    using State = ServingController::State;
    m_controls->setState(state);
    m_abTest->setState(state);
    m_status->refresh();
    m_tryIt->refresh();
    // The predictor answers with the served versions: it ends with serving.
    if (state == State::Stopping || state == State::Stopped || state == State::Failed)
        m_predictorController->stop();
    onPredictorStateChanged();
    if ((state == State::Waiting || state == State::Serving) && !m_sampler->isSampling())
        m_sampler->start(m_controller->metrics());
    else if (state == State::Stopping || state == State::Stopped || state == State::Failed) {
        if (m_sampler->isSampling())
            m_sampler->sampleNow(); // the last requests count
        m_sampler->stop();
    }
    announce();
}

void ServingPanel::startPredictor()
{
    std::optional<serving::PredictorConfig> config = m_predictorBox->config();
    if (!config)
        return;
    std::shared_ptr<const serving::ModelRouter> router = m_controller->router();
    if (!router || !m_session) {
        m_predictorBox->setNote(tr("Start serving first: the predictor answers with the "
                                   "versions served."));
        return;
    }
    // endpoint() is a copy under a lock, not a Kafka call.
    streams::StreamsService *streams = m_session->streams();
    std::optional<streams::ClusterEndpoint> endpoint = streams ? streams->endpoint() : std::nullopt;
    if (!endpoint) {
        m_predictorBox->setNote(tr("Not connected to Kafka: connect in the Streams panel."));
        return;
    }
    config->endpoint = std::move(*endpoint);
    serving::RetrainRequester requestRetrain;
    if (scheduler::SchedulerService *scheduler = m_session->scheduler()) {
        // trigger() queues onto the scheduler's thread: safe from the predictor's. The session
        // (and its scheduler) outlives the predictor: detachSession() stops it first.
        requestRetrain = [scheduler](const QString &dagId, const QJsonObject &conf) {
            scheduler->trigger(dagId, conf);
        };
    } else if (config->retrainEvery > 0) {
        m_predictorBox->setNote(tr("No scheduler runs: retrains are counted, not run."));
    }
    m_predictorController->start(std::move(*config), std::move(router), std::move(requestRetrain),
                                 m_controller->metrics());
}

void ServingPanel::onPredictorStateChanged()
{
    using State = ServingController::State;
    const State serving = m_controller->state();
    const PredictorController::State state = m_predictorController->state();
    m_predictorBox->setState(state, serving == State::Serving || serving == State::Waiting,
                             m_predictorController->failure());
    m_predictorBox->setCounters(m_predictorController->counters());
    if (state == PredictorController::State::Starting
        || state == PredictorController::State::Running)
        m_countersTimer->start();
    else
        m_countersTimer->stop();
}

QString ServingPanel::statusText() const
{
    return m_status->summary();
}

void ServingPanel::announce()
{
    const QString text = statusText();
    if (text == m_lastStatus)
        return;
    m_lastStatus = text;
    Q_EMIT statusChanged(text);
}

} // namespace millrace::ui
