from model import Net

if __name__ == "__main__":
    Net().eval()
