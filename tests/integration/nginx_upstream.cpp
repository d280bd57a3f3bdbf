#include "tests/integration/nginx_upstream.hpp"

#include <filesystem>

#include <doctest/doctest.h>

#include "tests/support/ports.hpp"

namespace faas::test {

std::string nginx_path() {
    const std::string path = "/usr/sbin/nginx";
    if (!std::filesystem::exists(path)) {
        FAIL("nginx is required for the http-mode tests: "
             << path << " is missing (apt-get install nginx-light)");
    }
    return path;
}

NginxUpstream::NginxUpstream(const TempDir& dir, std::uint16_t blackhole_port) {
    port = free_port();
    const std::string d = dir.str();
    const std::string conf = R"(daemon off;
master_process off;
worker_processes 1;
pid )" + d + R"(/nginx.pid;
error_log )" + d + R"(/nginx-error.log warn;
events { worker_connections 64; }
http {
    access_log )" + d + R"(/nginx-access.log;
    client_body_temp_path )" +
                             d + R"(/client_body;
    proxy_temp_path )" + d + R"(/proxy;
    fastcgi_temp_path )" + d +
                             R"(/fastcgi;
    uwsgi_temp_path )" + d + R"(/uwsgi;
    scgi_temp_path )" + d + R"(/scgi;
    absolute_redirect off;
    server {
        listen 127.0.0.1:)" + std::to_string(port) +
                             R"(;
        location = /hello {
            default_type text/plain;
            return 200 "hello from nginx\n";
        }
        location /echo/ {
            default_type text/plain;
            add_header X-Upstream yes always;
            return 200 "method=$request_method uri=$request_uri args=$args )"
                             R"(length=$http_content_length custom=$http_x_custom\n";
        }
        location = /missing {
            default_type text/plain;
            return 404 "nothing here\n";
        }
        location = /redirect {
            return 302 /hello;
        }
        location = /slow {
            proxy_pass http://127.0.0.1:)" +
                             std::to_string(blackhole_port) + R"(;
            proxy_read_timeout 60s;
        }
    }
}
)";
    const auto path = dir.write("nginx.conf", conf);
    command = nginx_path() + " -c " + path.string() + " -p " + d + "/ -e " + d + "/nginx-error.log";
    url = "http://127.0.0.1:" + std::to_string(port);
}

}  // namespace faas::test
