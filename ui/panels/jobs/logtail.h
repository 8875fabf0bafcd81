#pragma once

#include <QObject>
#include <QString>
#include <QThreadPool>

QT_BEGIN_NAMESPACE
class QTimer;
QT_END_NAMESPACE

namespace millrace::ui {

/// What one read of a log file gave.
struct LogChunk
{
    QString text;
    /// Where the next read starts (bytes into the file).
    qint64 nextOffset = 0;
    /// The file did not exist (yet).
    bool missing = false;
    /// The text starts at a later line than the file does: it was longer than the cap.
    bool truncated = false;
    /// The file is shorter than the offset asked for (replaced or cut): `text` is its content
    /// from the start (or its last cap bytes), not a continuation.
    bool restarted = false;
    QString error;
};

/// Reads `path` from byte `offset` to its end, at most its last `maxBytes` (then from the start
/// of a line). An incomplete UTF-8 character at the end is left for the next read; a partial last
/// line is returned as it is. Blocking: call it off the GUI thread.
LogChunk readLogChunk(const QString &path, qint64 offset, qint64 maxBytes);

/// Follows a task try's log file like `tail -f`: reads what it holds (at most the last cap
/// bytes), then, while live, what was appended, every ~250 ms. Every read runs on a thread of
/// its own pool, never the owner's; a read for a file no longer followed is dropped.
class LogTail : public QObject
{
    Q_OBJECT
public:
    explicit LogTail(QObject *parent = nullptr);
    /// Stops and waits for a read still running.
    ~LogTail() override;

    /// Starts following `path` from its beginning: reset() follows with what it holds, then,
    /// while `live`, appended() with what is added.
    void follow(const QString &path, bool live);
    /// Turns live following on or off; turned off, the file is read once more for its last lines.
    void setLive(bool live);
    /// Stops following (no further signals).
    void stop();

    QString path() const { return m_path; }
    bool isLive() const { return m_live; }

    /// The most bytes read at once (the start of a longer file is left out): 2 MB unless set.
    void setCapBytes(qint64 bytes) { m_capBytes = bytes; }
    qint64 capBytes() const { return m_capBytes; }
    /// How often a live file is looked at: 250 ms unless set.
    void setInterval(int milliseconds);

Q_SIGNALS:
    /// The file's content (its last capBytes() when `truncated`): replaces what was shown.
    void reset(const QString &text, bool truncated);
    /// Text appended to the file since the last signal.
    void appended(const QString &text);
    /// The file does not exist (yet); live following keeps looking for it.
    void missing();
    /// The file could not be read.
    void failed(const QString &message);

private:
    void readMore();
    void onRead(quint64 serial, const LogChunk &chunk);

    QString m_path;
    bool m_live = false;
    bool m_readPending = false; ///< a read is running
    bool m_finalRead = false;   ///< live turned off: one more read is owed
    bool m_started = false;     ///< reset() was emitted for this path
    bool m_saidMissing = false; ///< missing() was emitted for this path
    qint64 m_offset = 0;
    qint64 m_capBytes = 2 * 1024 * 1024;
    quint64 m_serial = 0;
    QTimer *m_timer;
    QThreadPool m_pool;
};

} // namespace millrace::ui
