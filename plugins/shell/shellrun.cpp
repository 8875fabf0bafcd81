#include "plugins/shell/shellrun.h"

#include "plugins/shell/processgroup.h"
#include "plugins/shell/shelllog.h"

#include <QDeadlineTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QThread>

#include <algorithm>
#include <cctype>
#include <csignal>

namespace millrace::shell {

namespace {

using namespace Qt::StringLiterals;
using plugins::TaskOutcome;

// How often cancellation and the timeout are checked while the command runs.
constexpr int kPollMilliseconds = 50;
// How long the process group gets to end after SIGTERM before it gets SIGKILL.
constexpr int kTerminateGraceMilliseconds = 5000;
// How long to wait for the group to vanish after SIGKILL, which cannot be caught; only a process
// stuck in the kernel takes longer.
constexpr int kKillWaitMilliseconds = 2000;

const QString kOwnPrefix = u"[shell] "_s;
const QString kStderrPrefix = u"[stderr] "_s;

QByteArrayView trimmedRight(QByteArrayView text)
{
    while (!text.isEmpty() && std::isspace(static_cast<unsigned char>(text.back())))
        text.chop(1);
    return text;
}

} // namespace

ShellRun::ShellRun(const ShellParams &params, plugins::TaskContext &context)
    : m_params(params), m_context(context),
      m_stdoutLines(kMaxLineBytes,
                    [this](QByteArrayView line, bool cut) { onStdoutLine(line, cut); }),
      m_stderrLines(kMaxLineBytes,
                    [this](QByteArrayView line, bool cut) { onStderrLine(line, cut); })
{
    m_process.setProgram(m_params.program);
    m_process.setArguments(m_params.arguments);
    m_process.setProcessEnvironment(m_params.environment);
    m_process.setWorkingDirectory(m_params.workingDirectory);
    // A command that reads stdin gets end-of-file instead of waiting for input nobody sends.
    m_process.setStandardInputFile(QProcess::nullDevice());
    m_process.setChildProcessModifier(&prepareChildProcess);
    if (m_params.result == ResultMode::Json)
        m_json = "["; // see outcomeOfExit()
}

TaskOutcome ShellRun::exec()
{
    // A try cancelled while it waited for its executor has nothing to stop yet; starting the
    // command only to kill it could leave half of its work done.
    if (m_context.isCancelled())
        return fail(u"cancelled"_s);
    m_context.log(kOwnPrefix + u"running in "_s + m_params.workingDirectory + u": "_s
                  + m_params.displayCommand);
    m_clock.start();
    m_process.start();
    if (!m_process.waitForStarted(-1)) {
        const QString message =
            u"could not start %1: %2"_s.arg(m_params.program, m_process.errorString());
        m_context.log(kOwnPrefix + message);
        return fail(message);
    }
    // prepareChildProcess() made the child a session leader, so its group id is its pid.
    m_processGroup = m_process.processId();
    qCDebug(lcShell) << "started" << m_params.displayCommand << "as process group"
                     << m_processGroup;

    QDeadlineTimer deadline(QDeadlineTimer::Forever);
    if (m_params.timeoutSeconds) {
        deadline.setRemainingTime(qint64(std::min(*m_params.timeoutSeconds * 1000.0, 1e15)),
                                  Qt::PreciseTimer);
    }

    QString stopReason;
    while (m_process.state() != QProcess::NotRunning) {
        // run() is on an executor thread that runs no event loop, so QProcess's signals never
        // come; the blocking wait polls the pipes itself. It returns as soon as stdout has data
        // (stderr is read meanwhile), else after the poll interval, so the log keeps up with the
        // command and cancellation is noticed within one interval.
        m_process.waitForReadyRead(kPollMilliseconds);
        readOutput();
        if (m_process.state() == QProcess::NotRunning)
            break;
        if (m_context.isCancelled()) {
            stopReason = u"cancelled"_s;
            break;
        }
        if (deadline.hasExpired()) {
            stopReason = u"timed out after %1 s"_s.arg(*m_params.timeoutSeconds);
            break;
        }
    }

    if (!stopReason.isEmpty()) {
        m_context.log(kOwnPrefix + stopReason + u"; stopping the command"_s);
        stopProcessGroup();
        m_stdoutLines.finish();
        m_stderrLines.finish();
        m_context.log(kOwnPrefix + u"stopped after "_s + elapsedText());
        return fail(stopReason);
    }
    return outcomeOfExit();
}

TaskOutcome ShellRun::outcomeOfExit()
{
    readOutput();
    m_stdoutLines.finish();
    m_stderrLines.finish();

    const bool crashed = m_process.exitStatus() == QProcess::CrashExit;
    const int exitCode = m_process.exitCode();
    // On a crash QProcess reports the signal that ended the process as the exit code.
    const QString ending =
        crashed ? u"killed by signal %1"_s.arg(exitCode) : u"exit code %1"_s.arg(exitCode);
    m_context.log(kOwnPrefix + ending + u" after "_s + elapsedText());

    // The command is done; what it started and left in its group (`server &` without `wait`)
    // would otherwise outlive the task unseen.
    if (processGroupIsRunning(m_processGroup)) {
        m_context.log(kOwnPrefix + u"the command left processes running; stopping them"_s);
        stopProcessGroup();
    }

    if (crashed || exitCode != 0) {
        if (!crashed && exitCode == m_params.skipExitCode)
            return TaskOutcome{true, QJsonValue(QJsonValue::Undefined), ending, true};
        QString message = ending;
        if (!m_lastErrorLine.isEmpty())
            message += u": "_s + m_lastErrorLine;
        return fail(message);
    }

    switch (m_params.result) {
    case ResultMode::None:
        // Undefined, not null: "returned no result" in TaskContext::upstreamResult()'s terms.
        return TaskOutcome{true, QJsonValue(QJsonValue::Undefined), QString()};
    case ResultMode::LastLine:
        if (m_lastLineCut) {
            return fail(u"the last line of stdout is longer than %1 KiB, too long for a result; "
                        "use \"result\": \"none\" or \"json\""_s.arg(kMaxLineBytes / 1024));
        }
        return TaskOutcome{true, QString::fromUtf8(trimmedRight(m_lastLine)), QString()};
    case ResultMode::Json:
        break;
    }

    if (m_jsonTooLarge) {
        return fail(u"stdout is larger than %1 MiB, the most \"result\": \"json\" reads"_s.arg(
            kMaxJsonBytes / (1024 * 1024)));
    }
    // QJsonDocument only parses an object or an array, but a command may print any JSON value
    // (42, "text"). Inside brackets every value is an array element; more than one element means
    // stdout held several values.
    m_json.append(']');
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(m_json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        return fail(
            u"stdout is not valid JSON at byte %1: %2"_s.arg(std::max(0, parseError.offset - 1))
                .arg(parseError.errorString()));
    }
    const QJsonArray values = document.array();
    if (values.isEmpty())
        return fail(u"stdout is empty, but \"result\": \"json\" expects a JSON value"_s);
    if (values.size() > 1) {
        return fail(
            u"stdout holds %1 JSON values, \"result\": \"json\" expects one"_s.arg(values.size()));
    }
    return TaskOutcome{true, values.first(), QString()};
}

void ShellRun::readOutput()
{
    const QByteArray out = m_process.readAllStandardOutput();
    if (!out.isEmpty()) {
        if (m_params.result == ResultMode::Json && !m_jsonTooLarge) {
            if (m_json.size() - 1 + out.size() > kMaxJsonBytes) {
                // Keep logging, but stop collecting: the result is lost anyway.
                m_jsonTooLarge = true;
                m_json = QByteArray();
            } else {
                m_json.append(out);
            }
        }
        m_stdoutLines.feed(out);
    }
    const QByteArray err = m_process.readAllStandardError();
    if (!err.isEmpty())
        m_stderrLines.feed(err);
}

void ShellRun::onStdoutLine(QByteArrayView line, bool cut)
{
    m_context.log(QString::fromUtf8(line));
    if (m_params.result == ResultMode::LastLine) {
        m_lastLineCut = cut;
        if (cut)
            m_lastLine = QByteArray();
        else
            m_lastLine = line.toByteArray();
    }
}

void ShellRun::onStderrLine(QByteArrayView line, bool cut)
{
    const QString text = QString::fromUtf8(line);
    m_context.log(kStderrPrefix + text);
    // The failure message quotes the last line that says something; a trailing blank line or a
    // piece of a huge line would not.
    if (!cut && !text.trimmed().isEmpty())
        m_lastErrorLine = text.trimmed();
}

void ShellRun::stopProcessGroup()
{
    qCDebug(lcShell) << "sending SIGTERM to process group" << m_processGroup;
    signalProcessGroup(m_processGroup, SIGTERM);
    // A stopped process only acts on SIGTERM once it runs again.
    signalProcessGroup(m_processGroup, SIGCONT);
    if (waitForProcessGroup(kTerminateGraceMilliseconds))
        return;

    qCInfo(lcShell) << "process group" << m_processGroup << "outlived SIGTERM; sending SIGKILL";
    m_context.log(kOwnPrefix
                  + u"still running %1 s after SIGTERM; sending SIGKILL"_s.arg(
                      kTerminateGraceMilliseconds / 1000));
    signalProcessGroup(m_processGroup, SIGKILL);
    if (!waitForProcessGroup(kKillWaitMilliseconds)) {
        qCWarning(lcShell) << "process group" << m_processGroup << "outlived SIGKILL";
        m_context.log(kOwnPrefix + u"some processes did not end even after SIGKILL"_s);
    }
}

bool ShellRun::waitForProcessGroup(int milliseconds)
{
    const QDeadlineTimer deadline(milliseconds);
    for (;;) {
        if (m_process.state() != QProcess::NotRunning) {
            // Waiting on QProcess also collects the leader, so it does not linger as a zombie,
            // and keeps reading the pipes, so a command printing while it shuts down neither
            // blocks on a full pipe nor loses its last words.
            m_process.waitForFinished(int(std::min<qint64>(
                kPollMilliseconds, std::max<qint64>(1, deadline.remainingTime()))));
            readOutput();
        } else if (!processGroupIsRunning(m_processGroup)) {
            return true;
        } else {
            QThread::msleep(kPollMilliseconds);
        }
        if (deadline.hasExpired()) {
            return m_process.state() == QProcess::NotRunning
                   && !processGroupIsRunning(m_processGroup);
        }
    }
}

TaskOutcome ShellRun::fail(const QString &message) const
{
    return TaskOutcome{false, QJsonValue(), message};
}

QString ShellRun::elapsedText() const
{
    return QString::number(m_clock.elapsed() / 1000.0, 'f', 2) + u" s"_s;
}

} // namespace millrace::shell
