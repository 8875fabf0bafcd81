#pragma once

#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QMutex>
#include <QObject>
#include <QString>

#include <deque>

namespace millrace {

/// One message written through Qt's logging, with where it came from.
struct LogEntry
{
    QDateTime time;
    QtMsgType type = QtDebugMsg;
    QString category;
    QString message;
    quint64 sequence = 0; ///< 1, 2, 3, ... in logging order; tells backlog from new entries
};

/// Collects every message logged through the app's logging categories, from any thread, and
/// re-emits it on the bus's thread, so a log view can show it. Keeps the most recent entries so a
/// view opened later still sees start-up messages. Install one per process.
class LogBus : public QObject
{
    Q_OBJECT
public:
    /// Installs the bus as Qt's message handler; messages still reach the previous handler
    /// (stderr). `capacity` bounds the backlog kept for late subscribers.
    explicit LogBus(qsizetype capacity = 5000, QObject *parent = nullptr);
    ~LogBus() override;

    /// The entries logged so far, oldest first, at most `capacity`.
    QList<LogEntry> backlog() const;

Q_SIGNALS:
    /// Emitted on the bus's thread for each message, in the order they were logged.
    void entryLogged(const millrace::LogEntry &entry);

private:
    static void handleMessage(QtMsgType type, const QMessageLogContext &context,
                              const QString &message);
    void append(LogEntry entry);

    const qsizetype m_capacity;
    mutable QMutex m_mutex;
    std::deque<LogEntry> m_backlog;
    quint64 m_nextSequence = 1;
};

} // namespace millrace

Q_DECLARE_METATYPE(millrace::LogEntry)
