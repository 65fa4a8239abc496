from vision_model import Net

model = Net().cuda().eval()
