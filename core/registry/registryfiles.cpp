#include "core/registry/registryfiles.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <cstdio>

#include <fcntl.h>
#include <unistd.h>

namespace millrace::registry {

namespace {

// fsync on a path: a file's data, or a folder's entries.
bool syncPath(const QString &path)
{
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    return synced;
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

QString modelFolderName(const QString &modelName)
{
    QString folder;
    const QByteArray utf8 = modelName.toUtf8();
    for (qsizetype i = 0; i < utf8.size(); ++i) {
        const char c = utf8.at(i);
        const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                          || c == '_' || c == '-' || c == ' ' || (c == '.' && i > 0);
        if (safe)
            folder.append(QLatin1Char(c));
        else
            folder.append(QStringLiteral("%%1").arg(uint(uchar(c)), 2, 16, QLatin1Char('0')));
    }
    return folder;
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
        return fail(QStringLiteral("cannot rename %1 to %2").arg(from, to));
    if (!syncPath(QFileInfo(to).absolutePath()))
        return fail(QStringLiteral("cannot sync the folder of %1").arg(to));
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

} // namespace millrace::registry
