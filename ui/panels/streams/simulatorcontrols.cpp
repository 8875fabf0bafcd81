#include "ui/panels/streams/simulatorcontrols.h"

#include "core/base/job.h"
#include "core/streams/holdout.h"
#include "core/streams/streamsservice.h"
#include "ui/panels/errorpalette.h"
#include "ui/panels/streams/streamspanellog.h"
#include "ui/panels/streams/topictreemodel.h"

#include <QComboBox>
#include <QDateTime>
#include <QDoubleSpinBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace millrace::ui {

namespace {

struct HoldoutOutcome
{
    std::shared_ptr<const ml::Dataset> samples;
    QString error;
};

QLabel *counter(const QString &objectName)
{
    auto *label = new QLabel(QStringLiteral("0"));
    label->setObjectName(objectName);
    QFont font = label->font();
    font.setPointSizeF(font.pointSizeF() * 1.3);
    font.setBold(true);
    label->setFont(font);
    return label;
}

QLabel *caption(const QString &text)
{
    auto *label = new QLabel(text);
    label->setForegroundRole(QPalette::PlaceholderText);
    return label;
}

} // namespace

} // namespace millrace::ui

Q_DECLARE_METATYPE(millrace::ui::HoldoutOutcome)

namespace millrace::ui {

SimulatorControls::SimulatorControls(QWidget *parent) : QWidget(parent)
{
    m_topic = new QComboBox;
    m_topic->setObjectName(QStringLiteral("simulatorTopic"));
    m_topic->setEditable(true);
    m_topic->setMinimumContentsLength(16);
    m_topic->lineEdit()->setPlaceholderText(tr("topic"));
    m_rate = new QDoubleSpinBox;
    m_rate->setObjectName(QStringLiteral("simulatorRate"));
    m_rate->setRange(0.1, 100000);
    m_rate->setDecimals(1);
    m_rate->setValue(20);
    m_rate->setSuffix(tr(" msg/s"));
    m_count = new QSpinBox;
    m_count->setObjectName(QStringLiteral("simulatorCount"));
    m_count->setRange(0, 100000000);
    m_count->setSpecialValueText(tr("until stopped"));
    m_count->setToolTip(tr("Stop after this many messages; 0 runs until stopped"));
    m_start = new QPushButton(tr("Start"));
    m_start->setObjectName(QStringLiteral("simulatorStart"));
    m_start->setToolTip(tr("Publish Fashion-MNIST stream-holdout images as JSON records"));
    m_stop = new QPushButton(tr("Stop"));
    m_stop->setObjectName(QStringLiteral("simulatorStop"));

    auto *controls = new QGridLayout;
    controls->setHorizontalSpacing(6);
    controls->addWidget(new QLabel(tr("Topic")), 0, 0);
    controls->addWidget(m_topic, 0, 1, 1, 5);
    controls->addWidget(new QLabel(tr("Rate")), 1, 0);
    controls->addWidget(m_rate, 1, 1);
    controls->addWidget(new QLabel(tr("Count")), 1, 2);
    controls->addWidget(m_count, 1, 3);
    controls->addWidget(m_start, 1, 4);
    controls->addWidget(m_stop, 1, 5);
    controls->setColumnStretch(1, 1);
    controls->setColumnStretch(3, 1);

    m_state = new QLabel;
    m_state->setObjectName(QStringLiteral("simulatorState"));
    m_state->setWordWrap(true);
    m_sent = counter(QStringLiteral("simulatorSent"));
    m_delivered = counter(QStringLiteral("simulatorDelivered"));
    m_failed = counter(QStringLiteral("simulatorFailed"));
    m_achieved = counter(QStringLiteral("simulatorAchievedRate"));
    auto *counters = new QGridLayout;
    counters->setHorizontalSpacing(28);
    counters->setVerticalSpacing(0);
    int column = 0;
    for (auto [label, value] :
         {std::pair{tr("sent"), m_sent}, std::pair{tr("delivered"), m_delivered},
          std::pair{tr("failed"), m_failed}, std::pair{tr("achieved rate"), m_achieved}}) {
        counters->addWidget(value, 0, column);
        counters->addWidget(caption(label), 1, column);
        ++column;
    }
    counters->setColumnStretch(column, 1);

    auto *title = new QLabel(tr("Stream simulator"));
    QFont bold = title->font();
    bold.setBold(true);
    title->setFont(bold);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(6);
    layout->addWidget(title);
    layout->addLayout(controls);
    layout->addLayout(counters);
    layout->addWidget(m_state);

    connect(m_start, &QPushButton::clicked, this, &SimulatorControls::start);
    connect(m_stop, &QPushButton::clicked, this, &SimulatorControls::stop);
    connect(m_topic, &QComboBox::currentTextChanged, this, &SimulatorControls::updateControls);
    updateControls();
}

SimulatorControls::~SimulatorControls() = default;

void SimulatorControls::setService(streams::StreamsService *service)
{
    m_service = service;
    // A simulator started before this panel looked (thread-safe to ask).
    m_running = service && service->simulatorRunning();
    if (!service) {
        delete m_loadJob.data();
        m_running = false;
        m_status = streams::SimulatorStatus();
        m_error.clear();
        setStatus(m_status);
    }
    updateControls();
}

void SimulatorControls::setTopics(const QStringList &topics)
{
    const QString current = m_topic->currentText();
    QStringList shown;
    for (int i = 0; i < m_topic->count(); ++i)
        shown << m_topic->itemText(i);
    if (shown == topics)
        return;
    const QSignalBlocker blocker(m_topic);
    m_topic->clear();
    m_topic->addItems(topics);
    m_topic->setCurrentText(current.isEmpty() && !topics.isEmpty() ? topics.front() : current);
    updateControls();
}

void SimulatorControls::setTopic(const QString &topic)
{
    if (!m_running)
        m_topic->setCurrentText(topic);
}

void SimulatorControls::start()
{
    if (!m_service || m_running || m_loadJob || m_topic->currentText().trimmed().isEmpty())
        return;
    m_error.clear();
    if (m_holdout) {
        startWith(m_holdout);
        return;
    }
    // The holdout comes from the 60,000 training images: read once, off the GUI thread.
    Job *job = Job::start(
        QStringLiteral("load the stream holdout"),
        [](JobContext &) {
            Result<std::shared_ptr<const ml::Dataset>> loaded = streams::loadFashionMnistHoldout();
            return QVariant::fromValue(HoldoutOutcome{loaded ? loaded.value() : nullptr,
                                                      loaded ? QString() : loaded.errorMessage()});
        },
        this);
    m_loadJob = job;
    m_state->setText(tr("Loading the Fashion-MNIST stream holdout…"));
    connect(job, &Job::succeeded, this, [this](const QVariant &value) {
        const auto outcome = value.value<HoldoutOutcome>();
        if (!outcome.samples) {
            m_error = tr("Cannot load the stream holdout: %1").arg(outcome.error);
            updateControls();
            return;
        }
        m_holdout = outcome.samples;
        startWith(m_holdout);
    });
    connect(job, &Job::failed, this, [this](const QString &message) {
        m_error = message;
        updateControls();
    });
    connect(job, &Job::finished, this, [this, job] {
        m_loadJob = nullptr;
        job->deleteLater();
        updateControls();
    });
    updateControls();
}

void SimulatorControls::startWith(std::shared_ptr<const ml::Dataset> holdout)
{
    streams::StreamsService *service = m_service;
    if (!service)
        return;
    streams::SimulatorRequest request;
    request.topic = m_topic->currentText().trimmed();
    request.source = streams::fashionMnistSource(std::move(holdout));
    request.rate = m_rate->value();
    request.count = m_count->value();
    request.seed = quint64(QDateTime::currentMSecsSinceEpoch());
    // Qt 6.4 has no invokeMethod with arguments for a member function: a functor carries them.
    QMetaObject::invokeMethod(
        service, [service, request] { service->startSimulator(request); }, Qt::QueuedConnection);
    qCInfo(lcStreamsPanel).noquote()
        << "simulator asked to publish to" << request.topic << "at" << request.rate << "messages/s";
    m_running = true;
    m_status = streams::SimulatorStatus();
    m_status.running = true;
    setStatus(m_status);
}

void SimulatorControls::stop()
{
    if (streams::StreamsService *service = m_service) {
        QMetaObject::invokeMethod(
            service, [service] { service->stopSimulator(); }, Qt::QueuedConnection);
    }
    m_state->setText(tr("Stopping…"));
    m_stop->setEnabled(false);
}

void SimulatorControls::setStatus(const streams::SimulatorStatus &status)
{
    m_status = status;
    m_running = status.running;
    if (!status.error.isEmpty())
        m_error = status.error;
    m_sent->setText(formatCount(status.sent));
    m_delivered->setText(formatCount(status.delivered));
    m_failed->setText(formatCount(status.failed));
    m_achieved->setText(formatRate(status.rate));
    updateControls();
}

void SimulatorControls::updateControls()
{
    const bool loading = m_loadJob != nullptr;
    const bool available = m_service != nullptr;
    m_start->setEnabled(available && !m_running && !loading
                        && !m_topic->currentText().trimmed().isEmpty());
    m_stop->setEnabled(available && m_running);
    m_topic->setEnabled(!m_running && !loading);
    m_rate->setEnabled(!m_running && !loading);
    m_count->setEnabled(!m_running && !loading);
    if (loading)
        return;
    QString state;
    if (!available)
        state = tr("The streams service is not running.");
    else if (m_running)
        state = tr("Publishing to %1…").arg(m_topic->currentText());
    else if (!m_error.isEmpty())
        state = tr("Stopped: %1").arg(m_error);
    else if (m_status.sent > 0)
        state = tr("Stopped after %1 messages.").arg(formatCount(m_status.sent));
    else
        state = tr("Publishes Fashion-MNIST stream-holdout images as JSON records "
                   "{\"id\", \"image\", \"label\"}.");
    m_state->setText(state);
    const bool failed = !m_running && !m_error.isEmpty();
    m_state->setPalette(failed ? errorPalette(palette()) : palette());
    m_state->setForegroundRole(failed ? QPalette::WindowText : QPalette::PlaceholderText);
}

} // namespace millrace::ui
