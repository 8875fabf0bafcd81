#pragma once

#include "core/base/result.h"
#include "core/store/store.h"

#include <QFuture>

#include <memory>
#include <optional>
#include <stdexcept>
#include <type_traits>

namespace millrace {

/// Thrown inside a Store read or write to abort it with a coded Error (e.g. an MLflow error code
/// such as RESOURCE_DOES_NOT_EXIST); readCoded() and writeCoded() hand the Error back intact.
struct CodedFailure : std::runtime_error
{
    explicit CodedFailure(Error e)
        : std::runtime_error(e.message.toStdString()), error(std::move(e))
    {
    }
    Error error;
};

/// Aborts the read or write being run with `code` and `message`.
[[noreturn]] inline void raiseCoded(const QString &code, const QString &message)
{
    throw CodedFailure(fail(code, message));
}

/// Store::read(), keeping the code of a CodedFailure thrown by `read`.
template <typename Fn>
auto readCoded(const Store &store, Fn read) -> Result<std::invoke_result_t<Fn, SQLite::Database &>>
{
    using T = std::invoke_result_t<Fn, SQLite::Database &>;
    std::optional<Error> coded;
    auto result = store.read([&](SQLite::Database &db) -> T {
        try {
            return read(db);
        } catch (const CodedFailure &failure) {
            coded = failure.error;
            throw;
        }
    });
    if (coded)
        return *coded;
    return result;
}

/// Store::write(), keeping the code of a CodedFailure thrown by `write`.
template <typename Fn> QFuture<Result<void>> writeCodedAsync(Store &store, Fn write)
{
    auto coded = std::make_shared<std::optional<Error>>();
    return store
        .write([write = std::move(write), coded](SQLite::Database &db) {
            try {
                write(db);
            } catch (const CodedFailure &failure) {
                *coded = failure.error;
                throw;
            }
        })
        .then([coded](Result<void> written) -> Result<void> {
            if (*coded)
                return **coded;
            return written;
        });
}

/// writeCodedAsync(), waiting for the commit.
template <typename Fn> Result<void> writeCoded(Store &store, Fn write)
{
    return writeCodedAsync(store, std::move(write)).result();
}

} // namespace millrace
