#include "ui/panels/serving/predictorbox.h"

#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace millrace::ui {

namespace {

QLabel *counter(const QString &objectName)
{
    auto *label = new QLabel(QStringLiteral("0"));
    label->setObjectName(objectName);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

} // namespace

PredictorBox::PredictorBox(QWidget *parent)
    : QGroupBox(tr("Kafka predictor"), parent), m_requestTopic(new QLineEdit),
      m_predictionsTopic(new QLineEdit), m_retrainEvery(new QSpinBox), m_dag(new QLineEdit),
      m_start(new QPushButton(tr("Start"))), m_stop(new QPushButton(tr("Stop"))),
      m_state(new QLabel), m_predicted(counter(QStringLiteral("predictorPredicted"))),
      m_towardRetrain(counter(QStringLiteral("predictorTowardRetrain"))),
      m_retrains(counter(QStringLiteral("predictorRetrains"))),
      m_version(counter(QStringLiteral("predictorVersion"))),
      m_malformed(counter(QStringLiteral("predictorMalformed"))), m_note(new QLabel)
{
    setObjectName(QStringLiteral("predictorBox"));
    const serving::PredictorConfig defaults;
    m_requestTopic->setObjectName(QStringLiteral("predictorRequestTopic"));
    m_requestTopic->setText(defaults.requestTopic);
    m_requestTopic->setToolTip(tr("Topic of the requests: JSON samples as the stream DAG "
                                  "publishes them, with or without a label."));
    m_predictionsTopic->setObjectName(QStringLiteral("predictorPredictionsTopic"));
    m_predictionsTopic->setText(defaults.predictionsTopic);
    m_predictionsTopic->setToolTip(tr("Topic the predictions go to, keyed like their requests."));
    m_retrainEvery->setObjectName(QStringLiteral("predictorRetrainEvery"));
    m_retrainEvery->setRange(0, 10'000'000);
    m_retrainEvery->setValue(int(defaults.retrainEvery));
    m_retrainEvery->setSpecialValueText(tr("never"));
    m_retrainEvery->setSuffix(tr(" labelled"));
    m_dag->setObjectName(QStringLiteral("predictorDag"));
    m_dag->setText(defaults.retrainDag);
    m_start->setObjectName(QStringLiteral("predictorStart"));
    m_stop->setObjectName(QStringLiteral("predictorStop"));
    m_state->setObjectName(QStringLiteral("predictorState"));
    m_note->setObjectName(QStringLiteral("predictorNote"));
    m_note->setWordWrap(true);
    m_note->setForegroundRole(QPalette::PlaceholderText);

    auto *settings = new QFormLayout;
    settings->addRow(tr("Requests:"), m_requestTopic);
    settings->addRow(tr("Predictions:"), m_predictionsTopic);
    settings->addRow(tr("Retrain every:"), m_retrainEvery);
    settings->addRow(tr("DAG:"), m_dag);

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_start);
    buttons->addWidget(m_stop);
    buttons->addWidget(m_state, 1);

    auto *counters = new QFormLayout;
    counters->addRow(tr("Predicted:"), m_predicted);
    counters->addRow(tr("Toward retrain:"), m_towardRetrain);
    counters->addRow(tr("Retrains asked:"), m_retrains);
    counters->addRow(tr("Answering:"), m_version);
    counters->addRow(tr("Malformed:"), m_malformed);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(settings);
    layout->addLayout(buttons);
    layout->addLayout(counters);
    layout->addWidget(m_note);

    connect(m_start, &QPushButton::clicked, this, &PredictorBox::startRequested);
    connect(m_stop, &QPushButton::clicked, this, &PredictorBox::stopRequested);
    setState(PredictorController::State::Stopped, false, QString());
}

std::optional<serving::PredictorConfig> PredictorBox::config()
{
    serving::PredictorConfig config;
    config.requestTopic = m_requestTopic->text().trimmed();
    config.predictionsTopic = m_predictionsTopic->text().trimmed();
    config.retrainEvery = m_retrainEvery->value();
    config.retrainDag = m_dag->text().trimmed();
    if (config.requestTopic.isEmpty() || config.predictionsTopic.isEmpty()) {
        setNote(tr("Give a request topic and a predictions topic."));
        return std::nullopt;
    }
    if (config.requestTopic == config.predictionsTopic) {
        setNote(tr("The predictions topic must differ from the request topic."));
        return std::nullopt;
    }
    if (config.retrainEvery > 0 && config.retrainDag.isEmpty()) {
        setNote(tr("Give the DAG to retrain with, or retrain never."));
        return std::nullopt;
    }
    return config;
}

void PredictorBox::setState(PredictorController::State state, bool servingRuns,
                            const QString &failure)
{
    using State = PredictorController::State;
    const bool idle = state == State::Stopped || state == State::Failed;
    m_start->setEnabled(idle && servingRuns);
    m_stop->setEnabled(state == State::Starting || state == State::Running);
    for (QWidget *input : std::initializer_list<QWidget *>{m_requestTopic, m_predictionsTopic,
                                                           m_retrainEvery, m_dag})
        input->setEnabled(idle);
    switch (state) {
    case State::Stopped:
        m_state->setText(tr("Stopped"));
        if (!servingRuns)
            setNote(tr("Start serving first: the predictor answers with the versions served."));
        else if (m_note->text().startsWith(tr("Start serving")))
            setNote(QString());
        break;
    case State::Starting:
        m_state->setText(tr("Joining…"));
        setNote(QString());
        break;
    case State::Running:
        m_state->setText(tr("Predicting"));
        break;
    case State::Stopping:
        m_state->setText(tr("Stopping…"));
        break;
    case State::Failed:
        m_state->setText(tr("Failed"));
        setNote(failure);
        break;
    }
}

void PredictorBox::setCounters(const serving::PredictorCounters &counters)
{
    m_predicted->setText(QString::number(counters.predicted));
    m_towardRetrain->setText(
        m_retrainEvery->value() > 0
            ? tr("%1 of %2").arg(counters.labelledSinceRetrain).arg(m_retrainEvery->value())
            : QString::number(counters.labelledSinceRetrain));
    m_retrains->setText(QString::number(counters.retrainsRequested));
    m_version->setText(counters.lastVersion > 0 ? QStringLiteral("v%1").arg(counters.lastVersion)
                                                : tr("–"));
    m_malformed->setText(QString::number(counters.malformed));
}

void PredictorBox::setNote(const QString &text)
{
    m_note->setText(text);
    m_note->setVisible(!text.isEmpty());
}

} // namespace millrace::ui
