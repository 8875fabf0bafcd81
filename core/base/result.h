#pragma once

#include <QString>

#include <optional>
#include <utility>
#include <variant>

namespace millrace {

/// A failure carried as a value: one human-readable line saying what went wrong, and, where a
/// caller must tell failures apart (an API maps them to status codes), a machine-readable code
/// such as "RESOURCE_DOES_NOT_EXIST". An empty code means an internal failure.
struct Error
{
    QString message;
    QString code;
};

/// Makes an Error; reads well at return sites: `return fail(u"no such run"_s);`.
inline Error fail(QString message)
{
    return Error{std::move(message), QString()};
}

/// Makes an Error with a code callers can dispatch on.
inline Error fail(QString code, QString message)
{
    return Error{std::move(message), std::move(code)};
}

/// The outcome of an operation that can fail: a value or an Error (an std::expected stand-in
/// until the project moves to C++23). Core APIs return it instead of throwing.
template <typename T> class [[nodiscard]] Result
{
public:
    Result(T value) : m_state(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : m_state(std::in_place_index<1>, std::move(error)) {}

    bool hasValue() const { return m_state.index() == 0; }
    explicit operator bool() const { return hasValue(); }

    T &value() & { return std::get<0>(m_state); }
    const T &value() const & { return std::get<0>(m_state); }
    T &&value() && { return std::get<0>(std::move(m_state)); }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }
    T &operator*() { return value(); }
    const T &operator*() const { return value(); }

    const Error &error() const { return std::get<1>(m_state); }
    /// The failure message, or an empty string when this holds a value.
    QString errorMessage() const { return hasValue() ? QString() : error().message; }

private:
    std::variant<T, Error> m_state;
};

/// Result for operations that produce nothing but may fail.
template <> class [[nodiscard]] Result<void>
{
public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)) {}

    bool hasValue() const { return !m_error.has_value(); }
    explicit operator bool() const { return hasValue(); }
    const Error &error() const { return *m_error; }
    QString errorMessage() const { return m_error ? m_error->message : QString(); }

private:
    std::optional<Error> m_error;
};

} // namespace millrace
