#include "core/scheduler/taskattempt.h"

#include "core/scheduler/schedulerlog.h"

#include <QDir>
#include <QFileInfo>

#include <algorithm>

namespace millrace::scheduler {

TaskAttempt::TaskAttempt(AttemptInfo info, const QString &logPath)
    : m_info(std::move(info)), m_log(logPath)
{
    QDir().mkpath(QFileInfo(logPath).absolutePath());
    if (!m_log.open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Text))
        qCWarning(lcScheduler).noquote()
            << "cannot write the task log" << logPath << ":" << m_log.errorString();
}

TaskAttempt::~TaskAttempt() = default;

void TaskAttempt::log(const QString &line)
{
    const QString stamped =
        QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs) + QLatin1Char(' ') + line;
    std::lock_guard lock(m_logMutex);
    if (!m_log.isOpen()) {
        qCInfo(lcScheduler).noquote() << m_info.dagId << m_info.taskId << line;
        return;
    }
    // Written through at once, so a viewer tailing the file sees the line live, and a crash
    // loses at most the line being written.
    m_log.write(stamped.toUtf8());
    m_log.write("\n", 1);
    m_log.flush();
}

void TaskAttempt::setProgress(double fraction)
{
    m_progress.store(std::clamp(fraction, 0.0, 1.0));
}

QJsonValue TaskAttempt::upstreamResult(const QString &taskId) const
{
    return m_info.results.value(taskId, QJsonValue(QJsonValue::Undefined));
}

} // namespace millrace::scheduler
