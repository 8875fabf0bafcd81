#include "core/base/durablefiles.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace millrace {

namespace {

QString lastSystemError()
{
    return QString::fromLocal8Bit(std::strerror(errno));
}

Result<void> copyFileDurably(const QString &source, const QString &destination)
{
    QFile in(source);
    if (!in.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("cannot read %1: %2").arg(source, in.errorString()));
    QFile out(destination);
    if (!out.open(QIODevice::WriteOnly | QIODevice::NewOnly))
        return fail(QStringLiteral("cannot create %1: %2").arg(destination, out.errorString()));
    QByteArray buffer(1 << 20, Qt::Uninitialized);
    for (;;) {
        const qint64 read = in.read(buffer.data(), buffer.size());
        if (read < 0)
            return fail(QStringLiteral("cannot read %1: %2").arg(source, in.errorString()));
        if (read == 0)
            break;
        if (out.write(buffer.constData(), read) != read)
            return fail(QStringLiteral("cannot write %1: %2").arg(destination, out.errorString()));
    }
    if (!out.flush() || ::fsync(out.handle()) != 0)
        return fail(QStringLiteral("cannot sync %1").arg(destination));
    return {};
}

} // namespace

bool syncPath(const QString &path)
{
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    return synced;
}

Result<void> writeFileDurably(const QString &path, const QByteArray &contents)
{
    // QSaveFile would do the rename, but not sync the folder afterwards; without that the new
    // name may vanish in a power cut even though the data is on disk.
    const QString temporary = path + QStringLiteral(".tmp");
    QFile out(temporary);
    if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return fail(QStringLiteral("cannot create %1: %2").arg(temporary, out.errorString()));
    if (out.write(contents) != contents.size() || !out.flush()) {
        const QString reason = out.errorString();
        out.close();
        QFile::remove(temporary);
        return fail(QStringLiteral("cannot write %1: %2").arg(temporary, reason));
    }
    if (::fsync(out.handle()) != 0) {
        const QString reason = lastSystemError();
        out.close();
        QFile::remove(temporary);
        return fail(QStringLiteral("cannot sync %1: %2").arg(temporary, reason));
    }
    out.close();
    if (::rename(QFile::encodeName(temporary).constData(), QFile::encodeName(path).constData())
        != 0) {
        const QString reason = lastSystemError();
        QFile::remove(temporary);
        return fail(QStringLiteral("cannot rename %1 to %2: %3").arg(temporary, path, reason));
    }
    if (!syncPath(QFileInfo(path).absolutePath()))
        return fail(QStringLiteral("cannot sync the folder of %1").arg(path));
    return {};
}

Result<void> copyDurably(const QString &source, const QString &destination)
{
    const QFileInfo info(source);
    if (info.isSymLink())
        return fail(
            QStringLiteral("%1 is a symbolic link; only files and folders are copied").arg(source));
    if (info.isFile())
        return copyFileDurably(source, destination);
    if (!info.isDir())
        return fail(QStringLiteral("%1 does not exist").arg(source));
    if (!QDir().mkdir(destination))
        return fail(QStringLiteral("cannot create the folder %1").arg(destination));
    const QDir dir(source);
    for (const QString &entry :
         dir.entryList(QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot)) {
        if (auto copied = copyDurably(dir.filePath(entry), QDir(destination).filePath(entry));
            !copied)
            return copied;
    }
    if (!syncPath(destination))
        return fail(QStringLiteral("cannot sync the folder %1").arg(destination));
    return {};
}

Result<void> renameDurably(const QString &from, const QString &to)
{
    if (::rename(QFile::encodeName(from).constData(), QFile::encodeName(to).constData()) != 0)
        return fail(QStringLiteral("cannot rename %1 to %2: %3").arg(from, to, lastSystemError()));
    // Both folders changed when the rename crossed folders; the new name is what matters most,
    // so it is synced first.
    const QString toFolder = QFileInfo(to).absolutePath();
    const QString fromFolder = QFileInfo(from).absolutePath();
    if (!syncPath(toFolder))
        return fail(QStringLiteral("cannot sync the folder of %1").arg(to));
    if (fromFolder != toFolder && !syncPath(fromFolder))
        return fail(QStringLiteral("cannot sync the folder of %1").arg(from));
    return {};
}

bool removeTree(const QString &path)
{
    const QFileInfo info(path);
    if (!info.exists() && !info.isSymLink())
        return true;
    if (info.isDir() && !info.isSymLink())
        return QDir(path).removeRecursively();
    return QFile::remove(path);
}

} // namespace millrace
