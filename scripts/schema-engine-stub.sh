#!/bin/sh
# Stands in for Prisma's native schema engine, which cannot be downloaded here.
echo "This project migrates without the native schema engine: use npm run db:migrate, db:migrate:create or db:status." >&2
exit 1
