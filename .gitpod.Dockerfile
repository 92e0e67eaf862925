# Gitpod workspace image with the .NET 10 SDK (10.0.300 or newer, see global.json).
# Docker is available in Gitpod workspaces, so DynamoDB Local runs with docker compose; Java 17
# is installed too for the jar fallback.
FROM gitpod/workspace-full

USER root
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openjdk-17-jre-headless \
 && rm -rf /var/lib/apt/lists/*

USER gitpod
RUN curl -fsSL https://dot.net/v1/dotnet-install.sh -o /tmp/dotnet-install.sh \
 && bash /tmp/dotnet-install.sh --channel 10.0 --install-dir /home/gitpod/.dotnet \
 && rm /tmp/dotnet-install.sh
ENV DOTNET_ROOT=/home/gitpod/.dotnet \
    PATH=/home/gitpod/.dotnet:$PATH \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_NOLOGO=1
