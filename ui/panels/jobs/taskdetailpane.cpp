#include "ui/panels/jobs/taskdetailpane.h"

#include "ui/panels/jobs/daglistmodel.h"
#include "ui/panels/jobs/gridmodel.h"
#include "ui/panels/jobs/logtail.h"
#include "ui/panels/jobs/logview.h"
#include "ui/panels/jobs/statestyle.h"

#include <QComboBox>
#include <QDir>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPlainTextEdit>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QSplitter>
#include <QVBoxLayout>

#include <algorithm>

namespace millrace::ui {

using scheduler::TaskInstanceRecord;
using scheduler::TaskState;

namespace {

QLabel *valueLabel(const char *name)
{
    auto *label = new QLabel;
    label->setObjectName(QLatin1String(name));
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

QString resultText(const QJsonValue &value)
{
    if (value.isUndefined())
        return QString();
    if (value.isObject())
        return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Indented));
    if (value.isArray())
        return QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Indented));
    // A scalar: wrap it so QJsonDocument spells it as JSON, then take it back out.
    const QByteArray wrapped = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    return QString::fromUtf8(wrapped.mid(1, wrapped.size() - 2));
}

} // namespace

TaskDetailPane::TaskDetailPane(QWidget *parent)
    : QWidget(parent), m_title(new QLabel), m_state(valueLabel("taskState")),
      m_try(valueLabel("taskTry")), m_operator(valueLabel("taskOperator")),
      m_pool(valueLabel("taskPool")), m_started(valueLabel("taskStarted")),
      m_ended(valueLabel("taskEnded")), m_duration(valueLabel("taskDuration")),
      m_message(valueLabel("taskMessage")), m_result(new QPlainTextEdit), m_tries(new QComboBox),
      m_logStatus(new QLabel), m_log(new LogView), m_tail(new LogTail(this))
{
    m_title->setObjectName(QStringLiteral("taskTitle"));
    QFont titleFont = m_title->font();
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_state->setAutoFillBackground(true);
    m_state->setContentsMargins(6, 1, 6, 1);
    m_state->setSizePolicy(QSizePolicy::Maximum, QSizePolicy::Fixed);
    m_message->setWordWrap(true);
    m_result->setObjectName(QStringLiteral("taskResult"));
    m_result->setReadOnly(true);
    m_result->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_result->setFixedHeight(m_result->fontMetrics().height() * 3 + 10);
    m_result->setPlaceholderText(tr("no result"));
    m_tries->setObjectName(QStringLiteral("trySelector"));
    m_tries->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_logStatus->setObjectName(QStringLiteral("logStatus"));
    m_logStatus->setForegroundRole(QPalette::PlaceholderText);
    m_logStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_log->setObjectName(QStringLiteral("taskLog"));

    auto *facts = new QWidget;
    auto *form = new QFormLayout(facts);
    form->setContentsMargins(0, 0, 6, 0);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(m_title);
    form->addRow(tr("State:"), m_state);
    form->addRow(tr("Try:"), m_try);
    form->addRow(tr("Operator:"), m_operator);
    form->addRow(tr("Pool:"), m_pool);
    form->addRow(tr("Started:"), m_started);
    form->addRow(tr("Ended:"), m_ended);
    form->addRow(tr("Duration:"), m_duration);
    form->addRow(tr("Message:"), m_message);
    form->addRow(tr("Result:"), m_result);

    auto *logSide = new QWidget;
    auto *logLayout = new QVBoxLayout(logSide);
    logLayout->setContentsMargins(6, 0, 0, 0);
    auto *logBar = new QHBoxLayout;
    logBar->addWidget(new QLabel(tr("Log of")));
    logBar->addWidget(m_tries);
    logBar->addWidget(m_logStatus, 1);
    logLayout->addLayout(logBar);
    logLayout->addWidget(m_log, 1);

    // Scrolled, so the facts never make the pane taller than the room the grid leaves it.
    auto *factsArea = new QScrollArea;
    factsArea->setWidget(facts);
    factsArea->setWidgetResizable(true);
    factsArea->setFrameShape(QFrame::NoFrame);
    factsArea->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    auto *split = new QSplitter(Qt::Horizontal);
    split->setChildrenCollapsible(false);
    split->addWidget(factsArea);
    split->addWidget(logSide);
    split->setStretchFactor(0, 0);
    split->setStretchFactor(1, 1);
    split->setSizes({300, 600});
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(split);

    connect(m_tries, &QComboBox::activated, this, &TaskDetailPane::onTryChosen);
    connect(m_tail, &LogTail::reset, m_log, &LogView::showLog);
    connect(m_tail, &LogTail::appended, m_log, &LogView::appendLog);
    connect(m_tail, &LogTail::missing, this,
            [this] { m_log->showMessage(tr("No log file yet: the try has written nothing.")); });
    connect(m_tail, &LogTail::failed, this, [this](const QString &message) {
        m_log->showMessage(tr("The log cannot be read: %1").arg(message));
    });
    showNothing(tr("Click a square in the grid to see a task, its tries and its log."));
}

TaskDetailPane::~TaskDetailPane() = default;

void TaskDetailPane::setLogsDir(const QString &logsDir)
{
    m_logsDir = logsDir;
}

QString TaskDetailPane::logPath() const
{
    return m_tail->path();
}

QString TaskDetailPane::logText() const
{
    return m_log->toPlainText();
}

void TaskDetailPane::showNothing(const QString &message)
{
    m_detail = RunDetail();
    m_taskId.clear();
    m_shownTry = 0;
    m_followLatest = true;
    m_tail->stop();
    m_title->setText(message);
    m_title->setWordWrap(true);
    for (QLabel *label :
         {m_state, m_try, m_operator, m_pool, m_started, m_ended, m_duration, m_message})
        label->clear();
    m_state->setPalette(palette());
    m_result->clear();
    m_tries->clear();
    m_tries->setEnabled(false);
    m_logStatus->clear();
    m_log->showMessage(QString());
}

void TaskDetailPane::showTask(const RunDetail &detail, const QString &taskId)
{
    const bool sameInstance = detail.run.row == m_detail.run.row && taskId == m_taskId;
    if (!sameInstance) {
        m_shownTry = 0;
        m_followLatest = true;
    }
    m_detail = detail;
    m_taskId = taskId;
    m_title->setWordWrap(false);
    m_title->setText(tr("%1 · %2").arg(taskId, detail.run.runId));
    m_title->setToolTip(m_title->text());

    const auto found = detail.instances.constFind(taskId);
    const TaskInstanceRecord *instance = found == detail.instances.constEnd() ? nullptr : &*found;
    const TaskState state = instance ? instance->state : TaskState::None;
    m_state->setText(taskStateText(state));
    QPalette chip = palette();
    if (state != TaskState::None) {
        chip.setColor(QPalette::Window, taskStateColour(state));
        chip.setColor(QPalette::WindowText, textColourOn(taskStateColour(state)));
    }
    m_state->setPalette(chip);
    if (!instance) {
        for (QLabel *label : {m_try, m_operator, m_pool, m_started, m_ended, m_duration})
            label->clear();
        m_message->setText(tr("The run has no instance of this task yet."));
        m_result->clear();
        fillTries(nullptr);
        return;
    }
    m_try->setText(tr("%1 of %2").arg(instance->tryNumber).arg(instance->maxTries));
    m_operator->setText(instance->operatorId);
    m_pool->setText(tr("%1 (%n slot(s))", nullptr, instance->poolSlots).arg(instance->pool));
    m_started->setText(shortTime(instance->startedAt));
    m_started->setToolTip(instance->startedAt.toLocalTime().toString(Qt::ISODateWithMs));
    m_ended->setText(shortTime(instance->endedAt));
    m_ended->setToolTip(instance->endedAt.toLocalTime().toString(Qt::ISODateWithMs));
    if (instance->startedAt.isValid()) {
        const QDateTime end =
            instance->endedAt.isValid() ? instance->endedAt : QDateTime::currentDateTimeUtc();
        m_duration->setText(durationText(instance->startedAt.msecsTo(end) / 1000.0)
                            + (instance->endedAt.isValid() ? QString() : tr(" so far")));
    } else {
        m_duration->clear();
    }
    QString message = instance->message;
    if (instance->state == TaskState::UpForRetry && instance->nextTryAt.isValid())
        message += tr("\nNext try at %1.").arg(shortTime(instance->nextTryAt));
    m_message->setText(message.trimmed());
    const QString result = resultText(detail.results.value(taskId, QJsonValue::Undefined));
    if (m_result->toPlainText() != result)
        m_result->setPlainText(result);
    fillTries(instance);
}

void TaskDetailPane::fillTries(const TaskInstanceRecord *instance)
{
    // The tries recorded, and any up to the instance's current try the records lack.
    QList<scheduler::TaskTryRecord> tries = m_detail.triesOf(m_taskId);
    const int latest = instance ? instance->tryNumber : 0;
    for (int number = 1; number <= latest; ++number) {
        const bool known = std::any_of(tries.begin(), tries.end(),
                                       [number](const auto &t) { return t.tryNumber == number; });
        if (!known) {
            scheduler::TaskTryRecord missing;
            missing.taskId = m_taskId;
            missing.tryNumber = number;
            missing.state = number == latest ? instance->state : TaskState::Failed;
            tries.append(missing);
        }
    }
    std::sort(tries.begin(), tries.end(),
              [](const auto &a, const auto &b) { return a.tryNumber < b.tryNumber; });
    QStringList labels;
    for (const scheduler::TaskTryRecord &attempt : std::as_const(tries))
        labels.append(
            tr("try %1 (%2)")
                .arg(attempt.tryNumber)
                .arg(taskStateText(attempt.tryNumber == latest && instance ? instance->state
                                                                           : attempt.state)));
    // Refilled only when it changed: the detail comes again every few hundred milliseconds
    // while the run is busy, and a refill would close the list under the user's mouse.
    QStringList shown;
    for (int index = 0; index < m_tries->count(); ++index)
        shown.append(m_tries->itemText(index));
    if (labels != shown) {
        const QSignalBlocker blocker(m_tries);
        m_tries->clear();
        for (int index = 0; index < labels.size(); ++index)
            m_tries->addItem(labels.at(index), tries.at(index).tryNumber);
    }
    m_tries->setEnabled(m_tries->count() > 1);
    if (tries.isEmpty()) {
        m_shownTry = 0;
        m_tail->stop();
        m_logStatus->clear();
        m_log->showMessage(tr("No try yet: the task has not started in this run."));
        return;
    }
    const int lastTry = tries.last().tryNumber;
    if (m_followLatest || m_shownTry == 0 || m_shownTry > lastTry)
        m_shownTry = lastTry;
    m_tries->setCurrentIndex(m_tries->findData(m_shownTry));
    followLog();
}

void TaskDetailPane::onTryChosen(int index)
{
    const int chosen = m_tries->itemData(index).toInt();
    if (chosen <= 0)
        return;
    m_shownTry = chosen;
    m_followLatest = index == m_tries->count() - 1;
    followLog();
}

void TaskDetailPane::followLog()
{
    const auto found = m_detail.instances.constFind(m_taskId);
    const bool running = found != m_detail.instances.constEnd()
                         && found->state == TaskState::Running && found->tryNumber == m_shownTry;
    const QString path = QDir(m_logsDir).filePath(scheduler::taskLogRelativePath(
        m_detail.run.dagId, m_detail.run.runId, m_taskId, m_shownTry));
    m_logStatus->setText(running ? tr("live") : QString());
    m_logStatus->setToolTip(path);
    if (path == m_tail->path()) {
        m_tail->setLive(running);
        return;
    }
    m_log->showMessage(tr("Reading the log…"));
    m_tail->follow(path, running);
}

} // namespace millrace::ui
