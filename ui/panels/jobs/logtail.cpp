#include "ui/panels/jobs/logtail.h"

#include "ui/panels/jobs/jobspanellog.h"

#include <QFile>
#include <QFutureWatcher>
#include <QTimer>
#include <QtConcurrent>

namespace millrace::ui {

namespace {

// How many bytes at the end of `bytes` belong to a UTF-8 character still being written.
int incompleteUtf8Tail(const QByteArray &bytes)
{
    const int size = int(bytes.size());
    for (int back = 1; back <= 4 && back <= size; ++back) {
        const auto byte = static_cast<unsigned char>(bytes.at(size - back));
        if ((byte & 0xC0) == 0x80)
            continue; // a continuation byte: look further back for the lead byte
        int length = 1;
        if ((byte & 0xE0) == 0xC0)
            length = 2;
        else if ((byte & 0xF0) == 0xE0)
            length = 3;
        else if ((byte & 0xF8) == 0xF0)
            length = 4;
        return length > back ? back : 0;
    }
    return 0;
}

} // namespace

LogChunk readLogChunk(const QString &path, qint64 offset, qint64 maxBytes)
{
    LogChunk chunk;
    chunk.nextOffset = offset;
    QFile file(path);
    if (!file.exists()) {
        chunk.missing = true;
        return chunk;
    }
    if (!file.open(QIODevice::ReadOnly)) {
        chunk.error = file.errorString();
        return chunk;
    }
    const qint64 size = file.size();
    qint64 start = offset;
    if (size < offset) {
        chunk.restarted = true;
        start = 0;
    }
    if (size - start > maxBytes) {
        start = size - maxBytes;
        chunk.truncated = true;
    }
    if (!file.seek(start)) {
        chunk.error = file.errorString();
        return chunk;
    }
    QByteArray bytes = file.read(size - start);
    qint64 end = start + bytes.size();
    if (chunk.truncated) {
        // Begin at a whole line, which also begins at a whole character.
        const qsizetype newline = bytes.indexOf('\n');
        bytes = newline >= 0 ? bytes.mid(newline + 1) : QByteArray();
    }
    const int pending = incompleteUtf8Tail(bytes);
    if (pending > 0) {
        bytes.chop(pending);
        end -= pending;
    }
    chunk.text = QString::fromUtf8(bytes);
    chunk.nextOffset = end;
    return chunk;
}

LogTail::LogTail(QObject *parent) : QObject(parent), m_timer(new QTimer(this))
{
    m_pool.setMaxThreadCount(1);
    m_timer->setInterval(250);
    connect(m_timer, &QTimer::timeout, this, &LogTail::readMore);
}

LogTail::~LogTail()
{
    stop();
    m_pool.waitForDone();
}

void LogTail::setInterval(int milliseconds)
{
    m_timer->setInterval(milliseconds);
}

void LogTail::follow(const QString &path, bool live)
{
    stop();
    m_path = path;
    m_live = live;
    if (m_live)
        m_timer->start();
    readMore();
}

void LogTail::setLive(bool live)
{
    if (live == m_live || m_path.isEmpty())
        return;
    m_live = live;
    if (m_live) {
        m_timer->start();
        return;
    }
    m_timer->stop();
    // The try just ended: its last lines were written before it did.
    m_finalRead = true;
    readMore();
}

void LogTail::stop()
{
    ++m_serial; // a read under way is dropped
    m_timer->stop();
    m_path.clear();
    m_live = false;
    m_readPending = false;
    m_finalRead = false;
    m_started = false;
    m_saidMissing = false;
    m_offset = 0;
}

void LogTail::readMore()
{
    if (m_path.isEmpty() || m_readPending)
        return;
    m_readPending = true;
    m_finalRead = false;
    const quint64 serial = m_serial;
    auto *watcher = new QFutureWatcher<LogChunk>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, serial] {
        watcher->deleteLater();
        onRead(serial, watcher->result());
    });
    watcher->setFuture(QtConcurrent::run(&m_pool, readLogChunk, m_path, m_offset, m_capBytes));
}

void LogTail::onRead(quint64 serial, const LogChunk &chunk)
{
    if (serial != m_serial)
        return; // another file, or stopped
    m_readPending = false;
    if (!chunk.error.isEmpty()) {
        qCWarning(lcJobsPanel).noquote() << "cannot read the log" << m_path << ":" << chunk.error;
        m_timer->stop();
        Q_EMIT failed(chunk.error);
        return;
    }
    if (chunk.missing) {
        if (!m_started && !m_saidMissing) {
            m_saidMissing = true;
            Q_EMIT missing();
        }
    } else {
        m_offset = chunk.nextOffset;
        if (!m_started || chunk.restarted) {
            m_started = true;
            Q_EMIT reset(chunk.text, chunk.truncated);
        } else if (!chunk.text.isEmpty()) {
            if (chunk.truncated)
                Q_EMIT reset(chunk.text, true); // more arrived than the cap: start over
            else
                Q_EMIT appended(chunk.text);
        }
    }
    if (m_finalRead)
        readMore();
}

} // namespace millrace::ui
