#pragma once
// faas::Result<T>: a value, or an error_code plus a message an operator can act on. Expected
// failures (peer closed, timeout, refused, a replica's 5xx) travel as Result, never as throws.
#include <string>
#include <system_error>
#include <utility>
#include <variant>

#include "core/assert.hpp"
#include "core/errc.hpp"

namespace faas {

struct Error {
    std::error_code code;
    std::string message;

    std::string what() const { return message.empty() ? code.message() : message; }
};

inline Error make_error(std::error_code code, std::string message = {}) {
    return Error{code, std::move(message)};
}

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
    Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

    bool ok() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }

    T& value() & {
        FAAS_ASSERT(ok());
        return std::get<0>(v_);
    }
    T&& value() && {
        FAAS_ASSERT(ok());
        return std::get<0>(std::move(v_));
    }
    const T& value() const& {
        FAAS_ASSERT(ok());
        return std::get<0>(v_);
    }
    T* operator->() { return &value(); }
    T& operator*() & { return value(); }

    const Error& error() const {
        FAAS_ASSERT(!ok());
        return std::get<1>(v_);
    }

private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT

    bool ok() const noexcept { return !failed_; }
    explicit operator bool() const noexcept { return ok(); }
    const Error& error() const {
        FAAS_ASSERT(failed_);
        return error_;
    }

private:
    Error error_;
    bool failed_ = false;
};

using Status = Result<void>;

}  // namespace faas
