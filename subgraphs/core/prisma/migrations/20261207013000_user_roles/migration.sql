-- CreateEnum
CREATE TYPE "Role" AS ENUM ('customer', 'admin');

-- AlterTable
ALTER TABLE "User" ADD COLUMN     "role" "Role" NOT NULL DEFAULT 'customer';
