#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace millrace::ml {

/// A failure of the training engine, carried as a value: one human-readable line saying what
/// went wrong and where (a file, a line, a column). The plain-C++ counterpart of
/// millrace::Error, which core/ml cannot use because its headers stay free of Qt types.
struct Error
{
    std::string message;
};

/// Makes an Error; reads well at return sites: `return fail(path + ": truncated");`.
inline Error fail(std::string message)
{
    return Error{std::move(message)};
}

/// The outcome of an engine operation that can fail: a value or an Error (an std::expected
/// stand-in until the project moves to C++23). Mirrors millrace::Result, with std::string
/// messages.
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
    std::string errorMessage() const { return hasValue() ? std::string() : error().message; }

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
    std::string errorMessage() const { return m_error ? m_error->message : std::string(); }

private:
    std::optional<Error> m_error;
};

} // namespace millrace::ml
