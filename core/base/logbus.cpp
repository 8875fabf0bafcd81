#include "core/base/logbus.h"

#include <QMutexLocker>

#include <mutex>
#include <shared_mutex>

namespace millrace {

namespace {
// The installed bus. Messages read it under a shared lock; the bus's destructor clears it under
// the exclusive lock, so no thread is inside append() when the bus goes away.
std::shared_mutex g_busMutex;
LogBus *g_bus = nullptr;
QtMessageHandler g_previousHandler = nullptr;
} // namespace

LogBus::LogBus(qsizetype capacity, QObject *parent) : QObject(parent), m_capacity(capacity)
{
    qRegisterMetaType<LogEntry>();
    std::unique_lock lock(g_busMutex);
    if (!g_bus) {
        g_bus = this;
        g_previousHandler = qInstallMessageHandler(&LogBus::handleMessage);
    }
}

LogBus::~LogBus()
{
    std::unique_lock lock(g_busMutex);
    if (g_bus == this) {
        g_bus = nullptr;
        qInstallMessageHandler(g_previousHandler);
    }
}

QList<LogEntry> LogBus::backlog() const
{
    QMutexLocker lock(&m_mutex);
    return QList<LogEntry>(m_backlog.begin(), m_backlog.end());
}

void LogBus::handleMessage(QtMsgType type, const QMessageLogContext &context,
                           const QString &message)
{
    if (g_previousHandler)
        g_previousHandler(type, context, message);
    else
        qt_message_output(type, context, message);
    std::shared_lock lock(g_busMutex);
    if (LogBus *bus = g_bus)
        bus->append(LogEntry{QDateTime::currentDateTime(), type,
                             QString::fromLatin1(context.category ? context.category : "default"),
                             message});
}

void LogBus::append(LogEntry entry)
{
    {
        QMutexLocker lock(&m_mutex);
        entry.sequence = m_nextSequence++;
        m_backlog.push_back(entry);
        while (qsizetype(m_backlog.size()) > m_capacity)
            m_backlog.pop_front();
    }
    // Queued even on the bus's own thread, so a message logged inside a slot does not re-enter
    // the log view while it paints. Sent outside the lock; order is kept by the event queue
    // only per sending thread, so receivers that care sort by sequence.
    QMetaObject::invokeMethod(
        this, [this, entry = std::move(entry)] { Q_EMIT entryLogged(entry); },
        Qt::QueuedConnection);
}

} // namespace millrace
