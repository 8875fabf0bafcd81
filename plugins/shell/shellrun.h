#pragma once

#include "plugins/api/taskoperator.h"
#include "plugins/shell/linesplitter.h"
#include "plugins/shell/shellparams.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QProcess>
#include <QString>

namespace millrace::shell {

/// One try of a shell task. Starts the process in a process group of its own, copies its output
/// into the task log line by line while it runs, and stops the whole group when the try is
/// cancelled or times out (or when the command leaves processes behind). Blocks the calling
/// thread; uses QProcess's blocking waitFor* calls, so the thread needs no event loop.
class ShellRun
{
public:
    /// The longest line handed to the task log in one piece; longer ones are split.
    static constexpr qsizetype kMaxLineBytes = 64 * 1024;
    /// The most stdout kept for `result: json`.
    static constexpr qsizetype kMaxJsonBytes = 16 * 1024 * 1024;

    /// Prepares the process; nothing starts before exec(). Both arguments must outlive the run.
    ShellRun(const ShellParams &params, plugins::TaskContext &context);

    /// Runs the command to its end and says how the try went.
    plugins::TaskOutcome exec();

private:
    void readOutput();
    void onStdoutLine(QByteArrayView line, bool cut);
    void onStderrLine(QByteArrayView line, bool cut);
    void stopProcessGroup();
    bool waitForProcessGroup(int milliseconds);
    plugins::TaskOutcome outcomeOfExit();
    plugins::TaskOutcome fail(const QString &message) const;
    QString elapsedText() const;

    const ShellParams &m_params;
    plugins::TaskContext &m_context;
    QProcess m_process;
    qint64 m_processGroup = 0;
    QElapsedTimer m_clock;

    LineSplitter m_stdoutLines;
    LineSplitter m_stderrLines;
    QByteArray m_lastLine;
    bool m_lastLineCut = false;
    QString m_lastErrorLine;
    QByteArray m_json;
    bool m_jsonTooLarge = false;
};

} // namespace millrace::shell
